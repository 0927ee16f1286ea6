"""Undoing sudo, su and doas wrappers built by the real become plugins of ansible-core 2.14."""

import unittest

import bridge_harness
from bridge_harness import requires_ansible

if bridge_harness.ANSIBLE_MISSING is None:
    from ansible.plugins.loader import get_shell_plugin

    from ansible_spindle import become_unwrap
    from ansible_spindle.shell_command import peel

# Commands with every kind of quoting a wrapper has to survive.
ORIGINALS = [
    "/usr/bin/python3",
    "LANG=C.UTF-8 MSG='it'\"'\"'s $HOME' /usr/bin/python3",
    "( umask 77 && mkdir -p \"` echo ~/.ansible/tmp `\" && echo t=\"` echo ~/.ansible/tmp/x `\" )",
    "cd '/srv/my app' && printf '%s\\n' \"a b\" 'c'\\''d' | tr a-z A-Z",
    "echo BECOME-SUCCESS-notmine ; true",
]


@requires_ansible
class UnwrapTest(unittest.TestCase):

    def shell(self, executable="/bin/sh"):
        return get_shell_plugin(executable=executable)

    def assert_round_trip(self, become, shell=None):
        shell = shell or self.shell()
        for original in ORIGINALS:
            wrapped = become.build_become_command(original, shell)
            self.assertIn(become.success, wrapped)
            self.assertEqual(become_unwrap.unwrap(wrapped, become, shell), original, wrapped)

    def test_sudo_without_password(self):
        self.assert_round_trip(bridge_harness.make_become("sudo", become_user="postgres"))

    def test_sudo_with_password_prompt_flags_and_exe(self):
        become = bridge_harness.make_become("sudo", become_user="root", become_pass="s3cret",
                                            become_flags="-H -S -n -E", become_exe="/opt/sudo/bin/sudo")
        wrapped = become.build_become_command("id", self.shell())
        self.assertIn('-p "[sudo via ansible, key=', wrapped)  # the prompt is really there, -n removed
        self.assertNotIn(" -n", wrapped)
        self.assertEqual(become_unwrap.unwrap(wrapped, become, self.shell()), "id")
        self.assert_round_trip(become)

    def test_sudo_without_user(self):
        self.assert_round_trip(bridge_harness.make_become("sudo", become_user=""))

    def test_su_quotes_the_shell_invocation_once_more(self):
        become = bridge_harness.make_become("su", become_user="app", become_pass="pw", become_flags="-l",
                                            become_exe="/bin/su")
        wrapped = become.build_become_command("id -u", self.shell())
        self.assertTrue(wrapped.startswith("/bin/su -l app -c "), wrapped)
        self.assert_round_trip(become)

    def test_doas_with_and_without_password(self):
        self.assert_round_trip(bridge_harness.make_become("community.general.doas", become_user="www"))
        self.assert_round_trip(bridge_harness.make_become("community.general.doas", become_user="www",
                                                          become_pass="pw", become_flags="-L"))

    def test_other_shell_executable(self):
        become = bridge_harness.make_become("sudo", become_user="root")
        bash = self.shell("/bin/bash")
        wrapped = become.build_become_command("echo $BASH_VERSION", bash)
        original = become_unwrap.unwrap(wrapped, become, bash)
        self.assertEqual(original, "echo $BASH_VERSION")
        self.assertEqual(become_unwrap.command_for_become_child(original, bash),
                         "/bin/bash -c 'echo $BASH_VERSION'")
        self.assertEqual(become_unwrap.command_for_become_child(original, self.shell()),
                         "echo $BASH_VERSION")

    def test_wrapper_as_sent_by_an_action_peels_to_the_plugins_line(self):
        become = bridge_harness.make_become("sudo", become_user="root", become_pass="pw")
        connection = bridge_harness.make_connection()
        connection.set_become_plugin(become)
        sent = []
        connection.exec_command = lambda cmd, **kwargs: sent.append(cmd) or (0, b"", b"")
        bridge_harness.action_for(connection)._low_level_execute_command("whoami", sudoable=True)
        executable, wrapped = peel(sent[0])
        self.assertEqual(executable, "/bin/sh")
        self.assertEqual(become_unwrap.unwrap(wrapped, become, connection._shell), "whoami")

    def test_anything_but_the_plugins_own_line_is_refused(self):
        become = bridge_harness.make_become("sudo", become_user="root")
        shell = self.shell()
        wrapped = become.build_become_command("id", shell)
        other = bridge_harness.make_become("sudo", become_user="root")
        other.build_become_command("id", shell)
        for candidate in (
            wrapped + " ; rm -rf /tmp/x",                 # something appended
            "env X=1 " + wrapped,                         # something prepended
            wrapped.replace("-u root", "-u admin"),       # another user than the options say
            wrapped.replace("sudo -H", "sudo -i -H"),     # other flags
            wrapped[:-1],                                 # broken quoting
            "",
        ):
            self.assertIsNone(become_unwrap.unwrap(candidate, become, shell), candidate)
        self.assertIsNone(become_unwrap.unwrap(wrapped, other, shell))  # another build's marker

    def test_unwrapping_leaves_the_plugin_as_it_was(self):
        become = bridge_harness.make_become("sudo", become_user="root", become_pass="pw")
        wrapped = become.build_become_command("id", self.shell())
        success, prompt = become.success, become.prompt
        become_unwrap.unwrap(wrapped, become, self.shell())
        self.assertEqual((become.success, become.prompt), (success, prompt))

    def test_become_hop_carries_the_plugins_options(self):
        become = bridge_harness.make_become("sudo", become_user="postgres", become_pass="pw",
                                            become_flags="-H -S", become_exe="/usr/local/bin/sudo")
        self.assertEqual(become_unwrap.become_hop(become, None), {
            "method": "sudo", "user": "postgres", "password": "pw", "exe": "/usr/local/bin/sudo",
            "flags": "-H -S"})
        doas = bridge_harness.make_become("community.general.doas")
        self.assertEqual(become_unwrap.become_hop(doas, None)["method"], "doas")
        self.assertEqual(become_unwrap.become_hop(doas, None)["user"], "root")

    def test_only_sudo_su_and_doas_are_unwrapped(self):
        for name, expected in (("sudo", True), ("su", True), ("community.general.doas", True),
                               ("community.general.dzdo", False), ("community.general.pbrun", False)):
            self.assertEqual(become_unwrap.can_unwrap(bridge_harness.make_become(name)), expected, name)


if __name__ == "__main__":
    unittest.main()
