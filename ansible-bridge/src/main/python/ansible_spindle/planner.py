"""The planner: new-style Python modules reach a Spindle host without an AnsiballZ payload.

ansible_patches routes ActionBase._execute_module here for Spindle connections:
execute_module(action, original, *args, **kwargs) returns what _execute_module returns.

What is planned is only the middle of _execute_module, building the payload and running it;
everything around it is Ansible's own code, run unchanged (original): _update_module_args
(every _ansible_* key), the module lookup with collections, interpreter discovery,
environment, become, parsing the result, _fixup_perms, tmp removal, discovered facts and
warnings. ansible_patches puts planning_modify_module where _configure_module finds
modify_module; inside execute_module, for a new-style Python module, it returns, instead of the payload, a
PlannedModule: the module's zip (built once per module and run, by module_common itself, and
kept in a run-scoped cache), the arguments encoded as the wrapper would embed them and what
the wrapper does around the module. _execute_module pipes it to the connection like a payload;
spindle_ssh sends `spindle.module` from it as it would from a parsed payload (the same body),
so no worker renders, encodes or parses a payload, and a warm task is one request and reply.
Where the connection cannot run it that way it asks for the real payload (PlannedModule.payload).

The task variable `spindle_task_isolation` (docs/ansible.md) says how the agent runs a planned
module: "process" (the default) in a fresh process forked from its fork server, "none" in the
fork server's long-lived inline runner.

Not planned (original runs as is): other module styles (JSON-args, WANT_JSON, old-style,
binary, PowerShell), tasks that do not pipeline (async, an emulated become with a password),
non-integer rlimit settings that need templating, and ansible-test's coverage or 2.19's
extensions (debugger, coverage).
"""

import functools
import hashlib
import inspect
import json
import os
import threading

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.executor import module_common
from ansible.release import __version__ as ANSIBLE_VERSION

from ansible_spindle import ansiballz

__all__ = ["execute_module", "planning_modify_module", "PlannedModule", "ISOLATION_VAR"]

# ansible-core 2.19 and later: modify_module returns a _BuiltModule and arguments are encoded
# for the module's serialization profile.
_BUILT_MODULE = getattr(module_common, "_BuiltModule", None)
_CACHE_FORMAT = 1
ISOLATION_VAR = "spindle_task_isolation"
_ISOLATIONS = ("process", "none")
_planning = threading.local()
_MODIFY_MODULE_SIGNATURE = inspect.signature(module_common.modify_module)


def execute_module(action, original, *args, **kwargs):
    if not _plannable(action, original, args, kwargs):
        return original(action, *args, **kwargs)
    # ansible_patches put planning_modify_module where _configure_module finds modify_module;
    # it plans only inside this call (a worker runs one task, and the flag is per thread).
    _planning.active = True
    try:
        return original(action, *args, **kwargs)
    finally:
        _planning.active = False


def planning_modify_module(real):
    """What ansible_patches installs in place of modify_module: plans inside execute_module,
    and is `real` everywhere else."""
    return _PlanningModifyModule(real)


def _plannable(action, original, args, kwargs):
    if not getattr(action._connection, "runs_planned_modules", False):
        return False
    # Only a pipelined module goes as stdin; otherwise _execute_module writes the payload to a file.
    wrap_async = _signature(original).bind(action, *args, **kwargs).arguments.get("wrap_async", False)
    return action._is_pipelining_enabled("new", wrap_async)


@functools.lru_cache(maxsize=None)
def _signature(function):
    return inspect.signature(function)


class PlannedModule(object):
    """A planned module where _execute_module expects the payload: what `spindle.module` needs."""

    def __init__(self, fqn, name, params, zip_sha1, zip_file, wrapper, build_payload, isolation=None):
        self.fqn = fqn
        self.isolation = isolation  # None: the agent's default, a forked process
        self.name = name
        self.params = params
        self.zip_sha1 = zip_sha1
        self._zip_file = zip_file
        self.wrapper = wrapper
        self._build_payload = build_payload

    def invocation(self, launch):
        """The ModuleInvocation a payload piped into `launch` would have parsed to; NotWarm, as
        for that payload, if launch is not `[VAR=value ...] <interpreter>`."""
        interpreter, env = ansiballz.plain_launch(launch)
        with open(self._zip_file, "r") as zip_b64:
            return ansiballz.ModuleInvocation(interpreter, env, self.fqn, self.name, self.params,
                                              zip_b64.read(), self.zip_sha1, self.wrapper)

    def payload(self):
        """The AnsiballZ payload vanilla would have piped (bytes), built by module_common."""
        return self._build_payload()


class _PlanningModifyModule(object):
    """Stands in for module_common.modify_module while a planned _execute_module runs."""

    def __init__(self, real):
        self.real = real

    def __call__(self, *args, **kwargs):
        if not getattr(_planning, "active", False):
            return self.real(*args, **kwargs)
        bound = _MODIFY_MODULE_SIGNATURE.bind(*args, **kwargs)
        bound.apply_defaults()
        call = bound.arguments
        return self._plan(call, lambda: self.real(*args, **kwargs)) or self.real(*args, **kwargs)

    def _plan(self, call, real):
        with open(call["module_path"], "rb") as source:
            b_module_data = source.read()
        if not _is_new_style_python(b_module_data):
            return None
        task_vars = call["task_vars"] or {}
        extension_key = _extension_key(task_vars)
        if extension_key is None or os.environ.get("_ANSIBLE_COVERAGE_CONFIG"):
            return None
        rlimit_nofile = C.config.get_config_value("PYTHON_MODULE_RLIMIT_NOFILE", variables=task_vars)
        if not isinstance(rlimit_nofile, int):
            return None
        # Built as vanilla builds it, before the interpreter is looked at: a module_utils that
        # cannot be found fails the task before discovery, and discovery is required here
        # exactly when vanilla requires it.
        built = _cached_build(call, extension_key, real)
        interpreter, interpreter_args = module_common._extract_interpreter(b_module_data)
        shebang = module_common._get_shebang(interpreter or u"/usr/bin/python", task_vars, call["templar"],
                                             interpreter_args, remote_is_local=call["remote_is_local"])[0]
        params = _encoded_params(call["module_args"], built["profile"])
        if params is None:
            return None  # modify_module raises its own error for it
        wrapper = dict(built["wrapper"], rlimit_nofile=rlimit_nofile)
        plan = PlannedModule(built["fqn"], call["module_name"], params, built["zip_sha1"], built["zip_file"],
                             wrapper, lambda: _payload_bytes(real()), _isolation(task_vars, call["templar"]))
        if _BUILT_MODULE is None:
            return plan, "new", shebang
        return _BUILT_MODULE(b_module_data=plan, module_style="new", shebang=shebang,
                             serialization_profile=built["profile"])


def _isolation(task_vars, templar):
    """None for the default (a forked process), else what spindle_task_isolation asks for."""
    value = task_vars.get(ISOLATION_VAR)
    if value is None:
        return None
    value = templar.template(value)
    if value not in _ISOLATIONS:
        raise AnsibleError("%s must be one of %s, not %r" % (ISOLATION_VAR, ", ".join(_ISOLATIONS), value))
    return None if value == "process" else value


def _is_new_style_python(b_module_data):
    """module_common._find_module_utils's test for its 'python' substyle (binary is tested first)."""
    if module_common._is_binary(b_module_data):
        return False
    return module_common.REPLACER in b_module_data or bool(module_common.NEW_STYLE_PYTHON_MODULE_RE.search(b_module_data))


def _extension_key(task_vars):
    """"none" when the payload would carry no extensions (2.19+'s debugger, coverage; always
    so before 2.19), None when it would: those are not planned."""
    builder = getattr(module_common, "_builder", None)
    if builder is None:
        return "none"
    return None if builder.ExtensionManager.create(task_vars=task_vars).extension_names else "none"


def _encoded_params(module_args, profile):
    """The params string the wrapper would embed, None if the arguments do not encode."""
    params = dict(ANSIBLE_MODULE_ARGS=module_args)
    try:
        if profile is None:
            return json.dumps(params, cls=module_common.AnsibleJSONEncoder, vault_to_text=True)
        encoder = module_common.get_module_encoder(profile, module_common.Direction.CONTROLLER_TO_MODULE)
        return json.dumps(params, cls=encoder)
    except TypeError:
        return None


def _payload_bytes(built):
    return built[0] if isinstance(built, tuple) else built.b_module_data


def _cached_build(call, extension_key, real):
    """{fqn, zip_sha1, zip_file, profile, wrapper without rlimit_nofile} for the module, from
    the run's cache; on a miss from the payload module_common builds (real()), read by
    ansiballz as spindle_ssh reads a piped one, so a planned module is the same as a parsed one.

    The cache lives in Ansible's local temp dir, which is the run's: workers are forked per
    task and keep nothing in memory. The key holds what the zip and the fields depend on."""
    path = call["module_path"]
    stat = os.stat(path)
    key = json.dumps([_CACHE_FORMAT, ANSIBLE_VERSION, call["module_name"], os.path.abspath(path),
                      stat.st_mtime_ns, stat.st_size, call["module_compression"], extension_key])
    directory = os.path.join(C.DEFAULT_LOCAL_TMP, "spindle_planner")
    stem = os.path.join(directory, hashlib.sha1(key.encode("utf-8")).hexdigest())
    try:
        with open(stem + ".json", "r") as entry:
            return json.load(entry)
    except (OSError, ValueError):
        pass
    text = _payload_bytes(real()).decode("utf-8")
    zip_b64, zip_sha1, fqn, _, _, wrapper = ansiballz.parse_payload_text(text)
    wrapper = dict(wrapper)
    del wrapper["rlimit_nofile"]
    loader = wrapper.get("loader")
    built = {"fqn": fqn, "zip_sha1": zip_sha1, "zip_file": stem + ".zip.b64", "wrapper": wrapper,
             "profile": loader["profile"] if loader else None}
    os.makedirs(directory, exist_ok=True)
    # Written aside and renamed: a worker racing this one reads a whole entry or none.
    _write_atomically(built["zip_file"], zip_b64)
    _write_atomically(stem + ".json", json.dumps(built))
    return built


def _write_atomically(path, text):
    part = "%s.%d.part" % (path, os.getpid())
    with open(part, "w") as out:
        out.write(text)
    os.rename(part, path)
