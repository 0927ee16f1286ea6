"""The shell layer ActionBase._low_level_execute_command puts around every command.

With the default executable, ActionBase turns CMD (possibly already wrapped by a become plugin)
into `<executable> -c '<CMD> && sleep 0'` (the `sleep 0` is its mitigation for ansible#13876);
with an explicit executable (the raw action's `executable:`) into `<executable> -c '<CMD>'`;
with `executable: false` it leaves CMD alone. `peel` recovers CMD.

Every recognised shape is checked by rebuilding it the way ActionBase does and comparing, so a
command that merely looks similar is never misread.
"""

import shlex

# What shell.append_command(cmd, 'sleep 0') adds for POSIX shells ('&&' is their _SHELL_AND).
SLEEP_SUFFIX = " && sleep 0"


def split_words(text):
    """shlex.split, or None if `text` is not valid shell quoting."""
    try:
        return shlex.split(text)
    except ValueError:
        return None


def shell_invocation(executable, script):
    """`executable -c script` exactly as ActionBase and BecomeBase spell it."""
    return "%s -c %s" % (executable, shlex.quote(script))


def peel(cmd):
    """(executable, CMD) for `<executable> -c '<CMD>[ && sleep 0]'`; (None, cmd) for any other shape."""
    words = split_words(cmd)
    if not words or len(words) != 3 or words[1] != "-c" or cmd != shell_invocation(words[0], words[2]):
        return None, cmd
    executable, script = words[0], words[2]
    if script.endswith(SLEEP_SUFFIX):
        script = script[:-len(SLEEP_SUFFIX)]
    return executable, script
