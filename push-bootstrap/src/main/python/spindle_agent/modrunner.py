"""The task side of `run_module`: one AnsiballZ payload run in this fresh process.

Contract: run(spec) ends the process with the module's exit status; spec is a JSON line
{"fqn", "params", "env", "cwd", "zip_len", "shown", "wrapper"}, the zip, then compile_zip's marshalled
code for it (with "warm": true neither: the process was forked from a warm parent, whose
ZipFinder, first on sys.meta_path, serves the same zip) (loaded instead of compiling; the same interpreter made it). As AnsiballZ's invoke_module, with no temp dir:
stdin from /dev/null, env over os.environ, chdir to cwd (else ~, else /), sys.std* for the
task's locale, the zip served from RAM by ZipFinder (first on sys.meta_path; file names
"$TMPDIR/ansible_<name>_payload_<random>/ansible_<name>_payload.zip/ansible/..." as
AnsiballZ's unpacked zip would give; packages need an __init__.py, as AnsiballZ writes),
basic._ANSIBLE_ARGS = params, runpy.run_module(fqn, init_globals={_module_fqn,
_modlib_path}, run_name="__main__", alter_sys=True). What the wrapper does besides, `wrapper`
(docs/protocol.md, run_module), as the wrappers of ansible-core 2.14-2.19 do it: the soft
RLIMIT_NOFILE first; coverage (2.14-2.18) after the params are set; with a `loader` (2.19+)
loader.run_module(json_params, profile, module_fqn, modlib_path, extensions) replaces the
params and runpy steps, and a return from it is status 0. modlib: /proc/<pid>/fd/<n> of a memfd
with the zip where possible (respawn_module imports from it), else
"spindle:ansible_<name>_payload.zip". Then as CPython: SystemExit None is 0, an int the
status, else printed to stderr, 1; an uncaught exception to sys.excepthook (traceback from
runpy down), 1; threads joined, atexit run, stdio flushed. run_stdin(): spec from stdin.
execute(spec) does the same in this process and returns the status instead of exiting (the
fork server's inline runner): the zip's finder and memfd go after each task, nothing else.
"""

import atexit
import codecs
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import io
import json
import locale
import marshal
import os
import random
import runpy
import sys
import threading
import traceback
import types
import zipfile

__all__ = ["compile_zip", "shown_path", "ZipFinder", "run", "run_stdin"]

NO_EXIT = '{"msg": "New-style module did not handle its own exit", "failed": true}'


class ZipFinder(importlib.abc.MetaPathFinder, importlib.abc.InspectLoader):
    """Modules and packages from a zip in RAM; `path` stands for the zip in file names."""

    def __init__(self, data, path, codes=None):
        self.path = path
        self.data = data
        self._zip = zipfile.ZipFile(io.BytesIO(data))
        self._names = set(self._zip.namelist())
        self._codes = codes or {}

    def _lookup(self, fullname):
        """(member, is_package); ImportError if absent."""
        base = fullname.replace(".", "/")
        for member, is_pkg in ((base + "/__init__.py", True), (base + ".py", False)):
            if member in self._names:
                return member, is_pkg
        raise ImportError("%s is not in the module zip" % fullname, name=fullname)

    def find_spec(self, fullname, path=None, target=None):
        try:
            member, is_pkg = self._lookup(fullname)
        except ImportError:
            return None
        spec = importlib.machinery.ModuleSpec(fullname, self, origin=self._where(member),
                                              is_package=is_pkg)
        spec.has_location = True
        if is_pkg:
            spec.submodule_search_locations = [self._where(fullname.replace(".", "/"))]
        return spec

    def get_code(self, fullname):
        member = self._lookup(fullname)[0]
        code = self._codes.pop(member, None)  # compiled ahead by the agent (compile_zip)
        return code or compile(self._zip.read(member), self._where(member), "exec", dont_inherit=True)

    def get_source(self, fullname):
        return importlib.util.decode_source(self._zip.read(self._lookup(fullname)[0]))

    def is_package(self, fullname):
        return self._lookup(fullname)[1]

    def get_data(self, path):
        member = path[len(self.path) + 1:]
        if path.startswith(self.path + "/") and member in self._names:
            return self._zip.read(member)
        raise FileNotFoundError(2, "not in the module zip", path)

    def _where(self, member):
        return self.path + "/" + member


def run_stdin():
    run(sys.stdin.buffer.read())


def run(spec):
    os._exit(execute(spec))


def preload(spec):
    """For a warm parent: ansible.module_utils.basic imported from the zip of `spec` (a JSON
    line {"zip_len", "shown"}, the zip, compile_zip's code), its finder left first on
    sys.meta_path, so processes forked from this one find it imported. A failure leaves them
    to import it themselves, as vanilla would, and fail there the same way."""
    header, _, body = spec.partition(b"\n")
    task = json.loads(header.decode())
    data, code = body[:task["zip_len"]], body[task["zip_len"]:]
    sys.meta_path.insert(0, ZipFinder(data, task["shown"], marshal.loads(code) if code else None))
    try:
        importlib.import_module("ansible.module_utils.basic")
    except Exception:
        for name in [name for name in sys.modules if name == "ansible" or name.startswith("ansible.")]:
            del sys.modules[name]
    import gc
    if hasattr(gc, "freeze"):  # 3.7+: the tasks' collections then leave these pages shared
        gc.freeze()


def execute(spec):
    """run(spec) in this process, which it leaves running: the exit status run() ends with.
    What the module changes (env, cwd, modules, signal handlers, fds) stays."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    header, _, body = spec.partition(b"\n")
    task = json.loads(header.decode())
    zip_len = task.get("zip_len", len(body))
    data, code = body[:zip_len], body[zip_len:]
    wrapper = task.get("wrapper") or {}
    _limit_open_files(wrapper.get("rlimit_nofile"))
    os.environ.update(task["env"])
    for path in (task["cwd"], os.path.expanduser("~"), "/"):
        try:
            os.chdir(path)
            break
        except (OSError, TypeError):
            pass
    _stdio()
    if "random" in sys.modules:  # 3.6 does not reseed after fork
        sys.modules["random"].seed()
    sys.modules["__main__"] = types.ModuleType("__main__")
    sys.argv = [""]
    if task.get("warm"):  # forked from a warm parent: its finder, already first, serves the zip
        finder = None
        data = sys.meta_path[0].data
    else:
        finder = ZipFinder(data, task.get("shown") or shown_path(task["fqn"].rpartition(".")[2]),
                           marshal.loads(code) if code else None)
        sys.meta_path.insert(0, finder)
    modlib, memfd = _modlib(data, task["fqn"])
    try:
        return _finish(_run_module(task["fqn"], task["params"], modlib, wrapper)) & 0xFF
    finally:  # after _finish: atexit hooks may still import from the zip
        if finder is not None:
            sys.meta_path.remove(finder)
        if memfd is not None:
            os.close(memfd)


def _run_module(fqn, params, modlib, wrapper):
    try:
        loader = wrapper.get("loader")
        if loader:
            importlib.import_module(loader["module"]).run_module(
                json_params=params.encode("utf-8"), profile=loader["profile"], module_fqn=fqn,
                modlib_path=modlib, extensions=loader["extensions"])
            return 0
        importlib.import_module("ansible.module_utils.basic")._ANSIBLE_ARGS = \
            params.encode("utf-8")
        if wrapper.get("coverage"):
            _start_coverage(**wrapper["coverage"])
        runpy.run_module(fqn, init_globals=dict(_module_fqn=fqn, _modlib_path=modlib),
                         run_name="__main__", alter_sys=True)
        print(NO_EXIT)
        return 1
    except SystemExit as exc:
        return _exit_status(exc)
    except BaseException as exc:
        failure = exc
    # The hook runs outside the except block, as CPython runs it: with no exception "being
    # handled". A hook calling fail_json (the file module's does) then adds no traceback.
    return _uncaught(type(failure), failure, failure.__traceback__.tb_next)


def _limit_open_files(limit):
    """The wrapper's PYTHON_MODULE_RLIMIT_NOFILE block: the soft limit, up to the hard one."""
    if not limit:
        return
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    requested = min(hard, limit)  # as the wrapper computes it, RLIM_INFINITY (-1) included
    if requested != soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (requested, hard))
        except ValueError:  # as the wrapper: some platforms lie about their hard limit
            pass


def _start_coverage(config, output):
    """The coverage block of ansible-core 2.14-2.18's wrapper (ansible-test sets it): record
    the module's coverage into output, or with no output only check that coverage exists."""
    if output is None:
        if importlib.util.find_spec("coverage") is None:
            print('{"msg": "Could not find `coverage` module.", "failed": true}')
            sys.exit(1)
        return
    os.environ["COVERAGE_FILE"] = "%s=python-%s=coverage" % (output, ".".join(str(v) for v in sys.version_info[:2]))
    try:  # the target's coverage, as the wrapper imports it; the agent itself needs none
        coverage = importlib.import_module("coverage")
    except ImportError:
        print('{"msg": "Could not import `coverage` module.", "failed": true}')
        sys.exit(1)
    recorder = coverage.Coverage(config_file=config)

    def save():
        recorder.stop()
        recorder.save()

    atexit.register(save)
    recorder.start()


def compile_zip(data, shown):
    """marshal of {member: code} for every .py in the zip, named as ZipFinder names them.

    Members that don't compile are left out: importing them raises the SyntaxError then,
    where vanilla raises it too.
    """
    archive = zipfile.ZipFile(io.BytesIO(data))
    codes = {}
    for member in archive.namelist():
        if member.endswith(".py"):
            try:
                codes[member] = compile(archive.read(member), shown + "/" + member, "exec", dont_inherit=True)
            except (SyntaxError, ValueError):
                pass
    return marshal.dumps(codes)


def shown_path(name):
    """The zip's name in tracebacks and __file__: where AnsiballZ would have unpacked it.

    `name` is the module as Ansible invoked it (ansible.legacy.command, ping, ...), which is
    what AnsiballZ names its temp dir after. Nothing exists there (nor does it after a vanilla
    run); users and tests reading a traceback see the same shape of path as with vanilla.
    """
    tag = "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789_") for _ in range(8))
    return "%s/ansible_%s_payload_%s/ansible_%s_payload.zip" % (
        os.environ.get("TMPDIR", "/tmp").rstrip("/") or "", name, tag, name)


def _modlib(data, fqn):
    """(modlib path, the memfd behind it or None)."""
    name = "ansible_%s_payload.zip" % fqn.rpartition(".")[2]
    try:
        fd = os.memfd_create(name)
    except (AttributeError, OSError):
        return "spindle:" + name, None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError:
        os.close(fd)
        return "spindle:" + name, None
    return "/proc/%d/fd/%d" % (os.getpid(), fd), fd


def _stdio():  # what the interpreter would have made of the task's locale
    try:
        locale.setlocale(locale.LC_CTYPE, "")
    except locale.Error:
        pass
    encoding, errors = codecs.lookup(locale.getpreferredencoding(False)).name, "strict"
    ctype = os.environ.get("LC_ALL") or os.environ.get("LC_CTYPE") or os.environ.get("LANG")
    if ctype in (None, "", "C", "POSIX"):  # PEP 538 coercion
        encoding, errors = "utf-8", "surrogateescape"
    for fd, mode, err in ((0, "r", errors), (1, "w", errors), (2, "w", "backslashreplace")):
        stream = open(fd, mode, 1 if fd == 2 else -1, encoding, err, closefd=False)
        name = ("stdin", "stdout", "stderr")[fd]
        setattr(sys, name, stream)
        setattr(sys, "__%s__" % name, stream)


def _exit_status(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write("%s\n" % (code,))
    return 1


def _uncaught(kind, value, tb):
    try:
        sys.excepthook(kind, value.with_traceback(tb), tb)
    except SystemExit as exc:  # as CPython: a hook may exit (ansible's file module does)
        return _exit_status(exc)
    except BaseException:
        traceback.print_exc()  # CPython says "Error in sys.excepthook" and shows both
        traceback.print_exception(kind, value, tb)
    return 1


def _finish(status):
    try:
        threading._shutdown()  # joins non-daemon threads, as interpreter exit does
    except Exception:
        pass
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            if stream is sys.stdout:
                status = 120
    return status
