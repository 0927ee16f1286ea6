"""Bootstrap stages, byte for byte as docs/protocol.md section 5 defines them.

Contract:
- stage1_script(n) is the program given to "python -c": it reads exactly n bytes of stage 2
  from fd 0 (never to EOF, so fd 0 stays usable as the frame channel) and execs them.
  build_stage1(n, python, isolated=False) is the argv that runs it; isolated adds -I (every
  CPython from 3.4 has it), so that nothing from the environment (PYTHONPATH, PYTHONSTARTUP)
  or the user's site directory (usercustomize, .pth files) runs before the agent: for agents,
  which may answer a become prompt. Tasks keep the interpreter as Ansible starts it.
- build_stage2(sources, config) is zlib("CONFIG = <json>\\nSOURCES = <json>\\n" + boot.py).
  The JSON must also read as Python literals, so the is_pkg flags are written as 0/1 and
  config values are limited to numbers, strings and lists or objects of those.
- The Java controller builds the same bytes for the first hop; the agent uses this module
  for its become children, from the sources it holds in RAM.
"""

import json
import zlib

__all__ = ["stage1_script", "build_stage1", "build_stage2"]

# os._exit, not exit: the exit builtin is missing when Python runs with -S
_STAGE1 = ("import os,zlib;os.set_blocking(0,True);Z=b''\n"
           "while len(Z)<{n}:Z+=os.read(0,{n}-len(Z)) or os._exit(9)\n"
           "exec(zlib.decompress(Z))")


def stage1_script(n):
    return _STAGE1.format(n=n)


def build_stage1(n, python="python3", isolated=False):
    return [python] + (["-I"] if isolated else []) + ["-c", stage1_script(n)]


def build_stage2(sources, config):
    literal_sources = dict((name, [int(bool(is_pkg)), source])
                           for name, (is_pkg, source) in sources.items())
    text = "".join([
        "CONFIG = ", json.dumps(config, ensure_ascii=False), "\n",
        "SOURCES = ", json.dumps(literal_sources, ensure_ascii=False), "\n",
        sources["spindle_agent.boot"][1],
    ])
    return zlib.compress(text.encode("utf-8"), 9)
