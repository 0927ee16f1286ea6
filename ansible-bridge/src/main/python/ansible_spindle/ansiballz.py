"""Recognising a pipelined AnsiballZ module so the agent can run it without the wrapper.

With pipelining, ActionBase sends the module as the stdin of `[VAR=value ...] <interpreter>`
(shell.build_module_command with an empty command). The stdin is the AnsiballZ wrapper with
the module's zip (base64), its FQN and the JSON arguments filled in. The wrapper writes the
zip to a temp dir and runs the FQN from it with those arguments; the agent does the same from
its warm interpreter instead, and gets the zip only when it hasn't got it yet.

The wrapper comes in two shapes, and the running ansible-core (which built the payload) says
which one it writes:

- ansible-core 2.14 to 2.18: module_common.ACTIVE_ANSIBALLZ_TEMPLATE filled in with %. The
  fields, and the blocks that settings add (ANSIBALLZ_RLIMIT_TEMPLATE for
  PYTHON_MODULE_RLIMIT_NOFILE, the coverage templates), are read from the payload's syntax
  tree; the payload is accepted only if that template renders back to exactly the same text.
- ansible-core 2.19 and later: the wrapper module's source (module_common._get_ansiballz_code)
  followed by `_ansiballz_main(key=literal, ...)`. The code must be exactly that source, and the
  call nothing but literals (date_time, a datetime, only names the zip's sitecustomize time).
  The module then runs through the zip's own _ansiballz._loader, as the wrapper runs it.

What the wrapper does around the module besides running it goes to the agent as `wrapper`
(docs/protocol.md, run_module). Anything else is NotWarm, with the reason: the payload then
runs the ordinary way, in a fresh interpreter.
"""

import ast
import base64
import binascii
import collections
import hashlib
import re
import shlex

from ansible.executor import module_common

from ansible_spindle.shell_command import split_words

ModuleInvocation = collections.namedtuple(
    "ModuleInvocation", "interpreter env fqn name params zip_b64 zip_sha1 wrapper")

_WRAPPER_MARK = "\n_ANSIBALLZ_WRAPPER = True"
_MARK_WITHIN = 1024  # the mark follows the shebang and a few comment lines
_ENV_NAME = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789"
# Where 2.19's wrapper imports the code that runs the module from (its invoke_module).
_LOADER_MODULE = "ansible.module_utils._internal._ansiballz._loader"
_MAIN_CALL_KEYS = {"ansible_module", "module_fqn", "profile", "date_time", "rlimit_nofile", "params",
                   "extensions", "zip_data"}


class NotWarm(Exception):
    """An AnsiballZ payload this module cannot run warm; the message says why."""


def parse_module_invocation(command, stdin):
    """A ModuleInvocation if `command` pipes the AnsiballZ payload `stdin` into an interpreter;
    None if stdin is no AnsiballZ payload; NotWarm if it is one that must run the ordinary way."""
    text = _payload_text(stdin)
    if text is None:
        return None
    interpreter, env = plain_launch(command)
    zip_b64, zip_sha1, fqn, name, params, wrapper = parse_payload_text(text)
    return ModuleInvocation(interpreter, env, fqn, name, params, zip_b64, zip_sha1, wrapper)


def parse_payload_text(text):
    """(zip_b64, zip_sha1, fqn, name, params, wrapper) of an AnsiballZ payload's text, as the
    running ansible-core writes it; NotWarm if it is not exactly that."""
    if hasattr(module_common, "_get_ansiballz_code"):
        fields = _parse_main_call_payload(text)
    else:
        fields = _parse_template_payload(text)
    zip_b64, fqn, name, params, wrapper = fields
    try:
        zip_bytes = base64.b64decode(zip_b64, validate=True)
    except (binascii.Error, ValueError):
        raise NotWarm("its module zip is not base64")
    return zip_b64, hashlib.sha1(zip_bytes).hexdigest(), fqn, name, params, wrapper


def _payload_text(stdin):
    if not looks_like_payload(stdin):
        return None
    try:
        return stdin.decode("utf-8")
    except UnicodeDecodeError:
        return None


def looks_like_payload(head):
    """Whether `head`, the first bytes of a file or stdin, starts an AnsiballZ wrapper."""
    return _WRAPPER_MARK.encode("ascii") in head[:_MARK_WITHIN]


def plain_launch(command):
    """_parse_launch(command), NotWarm if it is None."""
    launch = _parse_launch(command)
    if launch is None:
        raise NotWarm("the module is piped into %r, not into a plain interpreter" % command)
    return launch


def _parse_launch(command):
    """(interpreter, env) for `[VAR=value ...] <interpreter>` as build_module_command writes it."""
    words = split_words(command)
    if not words:
        return None
    *assignment_words, interpreter = words
    assignments = [word.partition("=") for word in assignment_words]
    if not all(equals and _is_env_name(name) for name, equals, _ in assignments):
        return None
    # A plain word: the daemon gets it as a path, and no shell would have expanded it either.
    if "=" in interpreter or shlex.quote(interpreter) != interpreter:
        return None
    # The shell must see exactly these words: no expansions, operators or unusual quoting.
    rebuilt = ["%s=%s" % (name, shlex.quote(value)) for name, _, value in assignments] + [interpreter]
    if " ".join(rebuilt) != command:
        return None
    return interpreter, {name: value for name, _, value in assignments}


def _is_env_name(name):
    return bool(name) and not name[0].isdigit() and all(c in _ENV_NAME for c in name)


def _lift_zip(text, assignment):
    """(text with the zip's base64 literal after `assignment` emptied, that base64): the zip is
    nearly all of a payload (450-600 KB) and parsing it would cost ~9 ms a task, the rest of the
    payload a fraction of that. None for the zip when there is no such literal: the parse and
    the checks after it then see the text as it is."""
    match = re.search(re.escape(assignment) + r'(?P<quote>"""|\'|")(?P<zip>[A-Za-z0-9+/=]*)(?P=quote)', text)
    if match is None:
        return text, None
    return text[:match.start("zip")] + text[match.end("zip"):], match.group("zip")


def _syntax_tree(text):
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        raise NotWarm("it is not valid Python")


# -- ansible-core 2.14 to 2.18: the % template --------------------------------------------------

def _parse_template_payload(text):
    found = _TemplateFields()
    without_zip, zipdata = _lift_zip(text, "ZIPDATA = ")
    found.visit(_syntax_tree(without_zip))
    if zipdata is not None:
        found.zipdata = zipdata  # the rendering check below compares with the whole text
    for field in ("zipdata", "params", "fqn", "name", "date_time"):
        if getattr(found, field) is None:
            raise NotWarm("no %s found where the AnsiballZ template puts it" % field)
    coverage = _coverage_block(found)
    rlimit = found.rlimit_nofile or 0
    year, month, day, hour, minute, second = found.date_time
    rendered = module_common.ACTIVE_ANSIBALLZ_TEMPLATE % dict(
        zipdata=found.zipdata, ansible_module=found.name, module_fqn=found.fqn,
        params=repr(found.params), shebang=text.partition("\n")[0],
        coding=module_common.ENCODING_STRING, date_time=found.date_time,
        year=year, month=month, day=day, hour=hour, minute=minute, second=second,
        coverage=coverage,
        rlimit=module_common.ANSIBALLZ_RLIMIT_TEMPLATE % dict(rlimit_nofile=rlimit) if rlimit else "")
    if rendered != text:
        raise NotWarm("it differs from what this ansible-core's AnsiballZ template renders %s"
                      % _first_difference(rendered, text))
    wrapper = {"rlimit_nofile": rlimit, "coverage": found.coverage_options(), "loader": None}
    return found.zipdata, found.fqn, found.name, found.params, wrapper


def _coverage_block(found):
    """The coverage block module_common adds for what the payload holds ("" for none)."""
    if found.coverage_config is not None:
        return module_common.ANSIBALLZ_COVERAGE_TEMPLATE % dict(
            coverage_config=found.coverage_config, coverage_output=found.coverage_output)
    if found.coverage_check:
        return module_common.ANSIBALLZ_COVERAGE_CHECK_TEMPLATE
    return ""


class _TemplateFields(ast.NodeVisitor):
    """The values the template's placeholders put into the payload, found by their place in
    its syntax: whether a value is quoted by %s or %r differs between releases, where it sits
    does not. The first of each is kept; the rendering check rejects any other arrangement."""

    def __init__(self):
        self.zipdata = self.params = self.fqn = self.name = self.date_time = None
        self.rlimit_nofile = self.coverage_config = self.coverage_output = None
        self.coverage_check = False

    def visit_Assign(self, node):
        target = node.targets[0] if len(node.targets) == 1 else None
        if isinstance(target, ast.Name) and target.id == "ZIPDATA":
            self._keep("zipdata", _string(node.value))
        elif isinstance(target, ast.Name) and target.id == "ANSIBALLZ_PARAMS":
            self._keep("params", _string(node.value))
        elif _dotted(target) == "zinfo.date_time" and isinstance(node.value, ast.Tuple):
            numbers = tuple(_integer(item) for item in node.value.elts)
            if len(numbers) == 6 and None not in numbers:
                self._keep("date_time", numbers)
        elif isinstance(target, ast.Subscript) and _dotted(target.value) == "os.environ" \
                and isinstance(node.value, ast.BinOp):
            # COVERAGE_FILE = '<output>=python-%s=coverage' % ... (2.14, 2.15), or <output> + '=python-...
            head = _string(node.value.left)
            self._keep("coverage_output", head and head.partition("=python-%s=coverage")[0])
        self.generic_visit(node)

    def visit_Call(self, node):
        name = _dotted(node.func)
        keywords = {keyword.arg: keyword.value for keyword in node.keywords}
        if name == "runpy.run_module" and "mod_name" in keywords:
            self._keep("fqn", _string(keywords["mod_name"]))
        elif name == "tempfile.mkdtemp" and "prefix" in keywords:
            prefix = _string(keywords["prefix"])
            if prefix and prefix.startswith("ansible_") and prefix.endswith("_payload_"):
                self._keep("name", prefix[len("ansible_"):-len("_payload_")])
        elif name == "min" and len(node.args) == 2:  # requested_soft = min(existing_hard, N)
            self._keep("rlimit_nofile", _integer(node.args[1]))
        elif name == "coverage.Coverage" and "config_file" in keywords:
            self._keep("coverage_config", _string(keywords["config_file"]))
        elif name == "importlib.util.find_spec" and [_string(arg) for arg in node.args] == ["coverage"]:
            self.coverage_check = True
        self.generic_visit(node)

    def _keep(self, field, value):
        if getattr(self, field) is None:
            setattr(self, field, value)

    def coverage_options(self):
        if self.coverage_config is not None:
            return {"config": self.coverage_config, "output": self.coverage_output}
        if self.coverage_check:
            return {"config": None, "output": None}
        return None


def _first_difference(expected, actual):
    for number, (want, got) in enumerate(zip(expected.splitlines(), actual.splitlines()), 1):
        if want != got:
            return "(line %d: %r)" % (number, got[:80])
    return "(it has %d lines, the template %d)" % (len(actual.splitlines()), len(expected.splitlines()))


# -- ansible-core 2.19 and later: the wrapper's source and a call to its main ---------------------

def _parse_main_call_payload(text):
    code = module_common._get_ansiballz_code(text.partition("\n")[0])
    if not text.startswith(code):
        raise NotWarm("its code differs from this ansible-core's AnsiballZ wrapper %s"
                      % _first_difference(code, text[:len(code)]))
    call, zip_data = _lift_zip(text[len(code):], "\nzip_data=")
    arguments = _main_call_arguments(_syntax_tree(call))
    values = {}
    for key, node in arguments.items():
        if key == "date_time":
            continue
        try:
            values[key] = ast.literal_eval(node)
        except (ValueError, SyntaxError):
            raise NotWarm("its %s is not a literal" % key)
    if zip_data is not None:
        values["zip_data"] = zip_data
    kinds = {"zip_data": str, "module_fqn": str, "ansible_module": str, "params": str, "profile": str,
             "extensions": dict, "rlimit_nofile": int}
    for key, kind in kinds.items():
        if not isinstance(values[key], kind):
            raise NotWarm("its %s is not a %s" % (key, kind.__name__))
    wrapper = {"rlimit_nofile": values["rlimit_nofile"], "coverage": None,
               "loader": {"module": _LOADER_MODULE, "profile": values["profile"],
                          "extensions": values["extensions"]}}
    return values["zip_data"], values["module_fqn"], values["ansible_module"], values["params"], wrapper


def _main_call_arguments(tree):
    """{keyword: value node} of the one statement after the wrapper's code:
    `if __name__ == "__main__": _ansiballz_main(key=value, ...)`."""
    statement = tree.body[0] if len(tree.body) == 1 else None
    call = None
    if isinstance(statement, ast.If) and not statement.orelse and len(statement.body) == 1 \
            and _is_main_test(statement.test) and isinstance(statement.body[0], ast.Expr):
        call = statement.body[0].value
    if not (isinstance(call, ast.Call) and _dotted(call.func) == "_ansiballz_main" and not call.args):
        raise NotWarm("what follows the wrapper's code is not one call of _ansiballz_main")
    arguments = {keyword.arg: keyword.value for keyword in call.keywords}
    if set(arguments) != _MAIN_CALL_KEYS or len(arguments) != len(call.keywords):
        raise NotWarm("_ansiballz_main gets %s, not %s"
                      % (sorted(filter(None, arguments)), sorted(_MAIN_CALL_KEYS)))
    return arguments


def _is_main_test(node):
    return (isinstance(node, ast.Compare) and _dotted(node.left) == "__name__"
            and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq)
            and [_string(c) for c in node.comparators] == ["__main__"])


# -- syntax helpers ------------------------------------------------------------------------------

def _dotted(node):
    """"a.b.c" for a Name or an Attribute chain on a Name, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return base and base + "." + node.attr
    return None


def _string(node):
    """The str a constant expression (a literal, or literals joined by +) stands for, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string(node.left), _string(node.right)
        return None if left is None or right is None else left + right
    return None


def _integer(node):
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None
