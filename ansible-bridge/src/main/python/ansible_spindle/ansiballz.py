"""Recognising a pipelined AnsiballZ module so the agent can run it without the wrapper.

With pipelining, ActionBase sends the module as the stdin of `[VAR=value ...] <interpreter>`
(shell.build_module_command with an empty command). The stdin is module_common's
ANSIBALLZ_TEMPLATE filled in with the module's zip (base64), its FQN and the JSON arguments.
The wrapper writes the zip to a temp dir and runs the FQN from it with those arguments; the
agent does the same from its warm interpreter instead, and gets the zip only when it hasn't
got it yet.

The fields are read with regular expressions on the template's own lines, and the payload is
accepted only if rendering the installed Ansible's template with them gives back the same
text: a payload with extras this shortcut would skip (PYTHON_MODULE_RLIMIT_NOFILE, coverage, a
different Ansible) runs the ordinary way instead.
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
    "ModuleInvocation", "interpreter env fqn name params zip_b64 zip_sha1")

_WRAPPER_MARK = "\n_ANSIBALLZ_WRAPPER = True"
_ZIPDATA_START = '\n    ZIPDATA = """'
_ZIPDATA_END = '"""\n'
# The other fields are searched for in the payload minus its (large) zip, which keeps this fast.
# repr() of a JSON document, which always contains '"', so repr picks single quotes.
_PARAMS = re.compile(r"^    ANSIBALLZ_PARAMS = ('.*')$", re.MULTILINE)
_FQN = re.compile(r"^        runpy\.run_module\(mod_name='([\w.]+)', init_globals=dict\(", re.MULTILINE)
_MODULE_NAME = re.compile(
    r"^        temp_path = tempfile\.mkdtemp\(prefix='ansible_(.+)_payload_'\)$", re.MULTILINE)
_ZIP_DATE = re.compile(
    r"^        zinfo\.date_time = \( (\d+), (\d+), (\d+), (\d+), (\d+), (\d+)\)$", re.MULTILINE)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def parse_module_invocation(command, stdin):
    """A ModuleInvocation if `command` pipes the AnsiballZ payload `stdin` into an interpreter."""
    launch = _parse_launch(command)
    if launch is None:
        return None
    payload = _parse_payload(stdin)
    if payload is None:
        return None
    interpreter, env = launch
    fqn, name, params, zip_b64, zip_sha1 = payload
    return ModuleInvocation(interpreter, env, fqn, name, params, zip_b64, zip_sha1)


def _parse_launch(command):
    """(interpreter, env) for `[VAR=value ...] <interpreter>` as build_module_command writes it."""
    words = split_words(command)
    if not words:
        return None
    *assignment_words, interpreter = words
    assignments = [word.partition("=") for word in assignment_words]
    if not all(equals and _ENV_NAME.match(name) for name, equals, _ in assignments):
        return None
    # A plain word: the daemon gets it as a path, and no shell would have expanded it either.
    if "=" in interpreter or shlex.quote(interpreter) != interpreter:
        return None
    # The shell must see exactly these words: no expansions, operators or unusual quoting.
    rebuilt = ["%s=%s" % (name, shlex.quote(value)) for name, _, value in assignments] + [interpreter]
    if " ".join(rebuilt) != command:
        return None
    return interpreter, {name: value for name, _, value in assignments}


def _parse_payload(stdin):
    """(fqn, name as invoked, params JSON, zip base64, zip sha1) of an unmodified AnsiballZ
    payload, else None. The name (e.g. ansible.legacy.command) is what AnsiballZ names its
    temp dir after, so tracebacks can show the same paths."""
    try:
        text = stdin.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _WRAPPER_MARK not in text[:512]:
        return None
    zip_start = text.find(_ZIPDATA_START)
    zip_end = text.find(_ZIPDATA_END, zip_start + len(_ZIPDATA_START))
    if zip_start < 0 or zip_end < 0:
        return None
    zipdata = text[zip_start + len(_ZIPDATA_START):zip_end]
    rest = text[:zip_start] + text[zip_end:]
    fields = [pattern.search(rest) for pattern in (_PARAMS, _FQN, _MODULE_NAME, _ZIP_DATE)]
    if not all(fields):
        return None
    params, fqn, module_name, zip_date = fields
    year, month, day, hour, minute, second = (int(part) for part in zip_date.groups())
    try:
        rendered = module_common.ACTIVE_ANSIBALLZ_TEMPLATE % dict(
            zipdata=zipdata, ansible_module=module_name.group(1), module_fqn=fqn.group(1),
            params=params.group(1), shebang=text.partition("\n")[0],
            coding=module_common.ENCODING_STRING,
            year=year, month=month, day=day, hour=hour, minute=minute, second=second,
            coverage="", rlimit="")
    except (KeyError, ValueError, TypeError):
        return None  # a template with placeholders this code doesn't know
    if rendered != text:
        return None
    try:
        zip_bytes = base64.b64decode(zipdata, validate=True)
        params_json = ast.literal_eval(params.group(1))
    except (binascii.Error, ValueError, SyntaxError):
        return None
    if not isinstance(params_json, str):
        return None
    return fqn.group(1), module_name.group(1), params_json, zipdata, hashlib.sha1(zip_bytes).hexdigest()
