"""Bootstrap stages, byte for byte as docs/protocol.md section 5 defines them.

Contract:
- stage1_script(n) is the program given to "python -c": it reads exactly n bytes of stage 2
  from fd 0 (never to EOF, so fd 0 stays usable as the frame channel) and execs them.
  build_stage1(n, python, isolated=False) is the argv that runs it; isolated adds -I (every
  CPython from 3.4 has it), so that nothing from the environment (PYTHONPATH, PYTHONSTARTUP)
  or the user's site directory (usercustomize, .pth files) runs before the agent: for agents,
  which may answer a become prompt. Tasks keep the interpreter as Ansible starts it.
- stage1_line(n, python) is the shell command that starts an agent: it execs the isolated
  stage 1 with one argument, "$PATH": the PATH of the shell that runs the line, expanded once
  by that shell and never read by a shell again. A wrapper between the shell and the
  interpreter (a pyenv or asdf shim) may change PATH before the interpreter starts; the agent
  puts the shell's back (main.py), so that what it runs finds what the login shell finds, as
  Ansible's commands do. The controller builds the same line for the first hop (AgentStages).
- build_stage2(sources, config) is zlib("CONFIG = <json>\\nSOURCES = <json>\\n" + boot.py).
  The JSON must also read as Python literals, so the is_pkg flags are written as 0/1 and
  config values are limited to numbers, strings and lists or objects of those.
- The Java controller builds the same bytes for the first hop; the agent uses this module
  for its become children, from the sources it holds in RAM.
"""

import json
import shlex
import zlib

__all__ = ["stage1_script", "build_stage1", "stage1_line", "build_stage2"]

# os._exit, not exit: the exit builtin is missing when Python runs with -S
_STAGE1 = ("import os,zlib;os.set_blocking(0,True);Z=b''\n"
           "while len(Z)<{n}:Z+=os.read(0,{n}-len(Z)) or os._exit(9)\n"
           "exec(zlib.decompress(Z))")


def stage1_script(n):
    return _STAGE1.format(n=n)


def build_stage1(n, python="python3", isolated=False):
    return [python] + (["-I"] if isolated else []) + ["-c", stage1_script(n)]


def stage1_line(n, python):
    return "exec %s \"$PATH\"" % " ".join(shlex.quote(arg) for arg in build_stage1(n, python, True))


def build_stage2(sources, config):
    literal_sources = dict((name, [int(bool(is_pkg)), source])
                           for name, (is_pkg, source) in sources.items())
    text = "".join([
        "CONFIG = ", json.dumps(config, ensure_ascii=False), "\n",
        "SOURCES = ", json.dumps(literal_sources, ensure_ascii=False), "\n",
        sources["spindle_agent.boot"][1],
    ])
    return zlib.compress(text.encode("utf-8"), 9)
