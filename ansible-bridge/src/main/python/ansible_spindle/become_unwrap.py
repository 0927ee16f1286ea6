"""Undoing what the sudo, su and doas become plugins did to a command.

The daemon runs become commands in a persistent child agent per (method, user), so the plugin
sends it the command the action wanted to run plus the become settings, instead of the
`sudo ... /bin/sh -c 'echo BECOME-SUCCESS-<id> ; CMD'` line built for a fresh login each time.
What 2.14's plugins build around CMD:

    sudo:  <exe> <flags> [-p "<prompt>"] [-u <user>] <shell> -c '<echo BECOME-SUCCESS-<id> ; CMD>'
    doas:  <exe> <flags> [-u <user>] <shell> -c '<echo BECOME-SUCCESS-<id> ; CMD>'
    su:    <exe> <flags> <user> -c '<<shell> -c '<echo BECOME-SUCCESS-<id> ; CMD>'>'

A candidate CMD is taken from the last word (su: the last word of the last word) and accepted
only if the plugin itself, asked to wrap it again, produces the very same line. Anything else
is left to the caller's fallback.
"""

import copy

from ansible_spindle.shell_command import shell_invocation, split_words

# Become plugins we can undo, by their `name`, and the method the daemon knows them by.
METHODS = {"sudo": "sudo", "su": "su", "doas": "doas", "community.general.doas": "doas"}

# become_user unset: each of these plugins then leaves the user out and its tool picks root.
_DEFAULT_BECOME_USER = "root"


def can_unwrap(become):
    return become.name in METHODS


def unwrap(wrapped, become, shell):
    """The command `become`'s latest build_become_command wrapped into `wrapped`, or None."""
    marker = "%s %s %s " % (shell.ECHO, become.success, shell.COMMAND_SEP)
    word = wrapped
    for _ in range(2):  # sudo and doas quote the marked command once, su twice
        words = split_words(word)
        if not words:
            return None
        word = words[-1]
        if word.startswith(marker):
            break
    else:
        return None
    original = word[len(marker):]
    return original if _rebuild(become, shell, original) == wrapped else None


def _rebuild(become, shell, cmd):
    """What `become` builds for `cmd`, with the success marker and prompt of its latest build."""
    twin = copy.copy(become)  # building draws a new id; the plugin the action uses must keep its own
    return twin.build_become_command(cmd, shell).replace(twin._id, become._id)


def command_for_become_child(original, shell):
    """What the child must run with /bin/sh -c to do what the wrapper's `<shell> -c` would have."""
    executable = shell.executable
    if not executable or executable == "/bin/sh":
        return original
    return shell_invocation(executable, original)


def become_hop(become, play_context):
    """The `become` object of daemon-api.md for `become`'s current options."""
    def option(name):
        return become.get_option(name, playcontext=play_context) or None

    return {
        "method": METHODS[become.name],
        "user": option("become_user") or _DEFAULT_BECOME_USER,
        "password": option("become_pass"),
        "exe": option("become_exe"),
        "flags": option("become_flags"),
    }
