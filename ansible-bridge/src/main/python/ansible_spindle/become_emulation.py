"""Prompt and success handling for become plugins the daemon doesn't run itself.

Such commands run as built, wrapper included, and come back in one reply. This applies to the
captured output what ssh.py's state machine does while it awaits escalation: prompt lines and
the BECOME-SUCCESS line are removed, and before success the plugin's own messages for a wrong
or missing password fail the task with ssh.py's wording.
"""

from ansible.errors import AnsibleError


def password_line(become, play_context):
    """The become password to write ahead of stdin (bytes), or b'' if the plugin won't prompt."""
    if not become.expect_prompt():
        return b""
    password = become.get_option("become_pass", playcontext=play_context)
    return password.encode("utf-8", "surrogateescape") + b"\n"


def strip_escalation_output(become, stdout, stderr, sudoable):
    """(stdout, stderr) as ssh.py would return them; AnsibleError on a password failure."""
    scan = _Scan(become, sudoable)
    stdout = scan.examine(stdout)
    if scan.succeeded:
        # Escalation succeeded: only the prompt, which precedes everything, remains to drop.
        stderr = scan.drop_leading_prompts(stderr)
    else:
        stderr = scan.examine(stderr)
        if scan.incorrect_password:
            raise AnsibleError("Incorrect %s password" % become.name)
        if scan.missing_password:
            raise AnsibleError("Missing %s password" % become.name)
    return stdout, stderr


class _Scan:
    """Line-by-line checks of ssh.py's _examine_output, up to the success line."""

    def __init__(self, become, sudoable):
        self._become = become
        self._sudoable = sudoable
        self.succeeded = False
        self.incorrect_password = False
        self.missing_password = False

    def _is_prompt(self, line):
        return bool(self._become.expect_prompt() and self._become.check_password_prompt(line))

    def examine(self, output):
        lines = output.splitlines(True)
        kept = []
        for index, line in enumerate(lines):
            if self._is_prompt(line):
                continue
            if self._become.success and self._become.check_success(line):
                self.succeeded = True
                kept.extend(lines[index + 1:])
                break
            if self._sudoable and self._become.check_incorrect_password(line):
                self.incorrect_password = True
            elif self._sudoable and self._become.check_missing_password(line):
                self.missing_password = True
            kept.append(line)
        return b"".join(kept)

    def drop_leading_prompts(self, output):
        lines = output.splitlines(True)
        while lines and self._is_prompt(lines[0]):
            lines.pop(0)
        return b"".join(lines)
