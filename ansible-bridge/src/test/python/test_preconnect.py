"""preconnect: which hosts the strategy logs in to before their first task, with which target,
and that it asks the daemon once per host without waiting for it. Real inventory, play, task
and variables; the daemon is fake_daemon's. test_versions runs this file under every other
ansible-core tree too."""

import os
import shutil
import tempfile
import threading
import unittest

import bridge_harness
from bridge_harness import requires_ansible
from fake_daemon import FakeDaemon, Failure

if bridge_harness.ANSIBLE_MISSING is None:
    import ansible.constants as C
    from ansible import context
    from ansible.inventory.manager import InventoryManager
    from ansible.module_utils.common.collections import ImmutableDict
    from ansible.parsing.dataloader import DataLoader
    from ansible.playbook.play import Play
    from ansible.playbook.play_context import PlayContext
    from ansible.vars.manager import VariableManager

    from ansible_spindle import ansible_patches
    from ansible_spindle.preconnect import Preconnector

INVENTORY = """\
[targets]
web1 ansible_host=192.0.2.10 ansible_port=2222 ansible_user=deploy ansible_connection=ssh
web2 ansible_host={{net}}.11 ansible_connection=ssh ansible_python_interpreter=/opt/py/bin/python3
router ansible_connection=paramiko
controller ansible_connection=local ansible_python_interpreter=auto_silent
plain ansible_host=192.0.2.20
[all:vars]
net=192.0.2
"""


@requires_ansible
class PreconnectTest(unittest.TestCase):

    def setUp(self):
        # task keywords default to ansible-playbook's options, as its argument parser gives them
        self.addCleanup(setattr, context, "CLIARGS", context.CLIARGS)
        context.CLIARGS = ImmutableDict(connection=C.DEFAULT_TRANSPORT, become_method=C.DEFAULT_BECOME_METHOD,
                                        timeout=C.DEFAULT_TIMEOUT)
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir, True)
        inventory_path = os.path.join(self.dir, "inventory.ini")
        with open(inventory_path, "w") as f:
            f.write(INVENTORY)
        self.loader = DataLoader()
        self.inventory = InventoryManager(loader=self.loader, sources=[inventory_path])
        self.variables = VariableManager(loader=self.loader, inventory=self.inventory)
        ansible_patches.install()
        self.addCleanup(ansible_patches.remove)
        self.preconnector = Preconnector(self.loader, self.variables)

    def first_task(self, task, **play):
        play = Play.load(dict({"hosts": "all", "gather_facts": False, "tasks": [task]}, **play),
                         variable_manager=self.variables, loader=self.loader)
        # compile() puts the play's blocks between implicit ones (flush_handlers)
        tasks = [task for block in play.compile() for task in block.block if task.action != "meta"]
        return play, tasks[0]

    def connection(self, host_name, task=None, **play):
        play, task = self.first_task(task or {"command": "hostname"}, **play)
        host = self.inventory.get_host(host_name)
        task_vars = self.variables.get_vars(play=play, host=host, task=task)
        return self.preconnector.first_task_connection(host, task, task_vars, PlayContext(play=play))

    def request(self, host_name, task=None, **play):
        play, task = self.first_task(task or {"command": "hostname"}, **play)
        host = self.inventory.get_host(host_name)
        task_vars = self.variables.get_vars(play=play, host=host, task=task)
        connection = self.preconnector.first_task_connection(host, task, task_vars, PlayContext(play=play))
        return connection.preconnect_request(1234, self.preconnector._interpreter(task_vars))

    def test_an_ssh_host_gets_the_login_the_worker_will_make(self):
        address, body = self.request("web1")
        self.assertEqual(address, "spindle.interpreters")
        target = body["target"]
        self.assertEqual((target["transport"], target["host"], target["port"], target["user"]),
                         ("ssh", "192.0.2.10", 2222, "deploy"))
        self.assertIsNone(target["python"], "an interpreter to discover")
        self.assertIsNone(body["become"])
        self.assertEqual(body["run"], {"pid": 1234, "persist": 0})
        self.assertEqual(body["task"], {"id": "preconnect/192.0.2.10", "seq": 1})

    def test_templated_connection_variables_and_an_explicit_interpreter_are_the_workers(self):
        target = self.request("web2")[1]["target"]
        self.assertEqual(target["host"], "192.0.2.11")
        self.assertEqual(target["python"], "/opt/py/bin/python3")

    def test_play_keywords_count_as_in_the_worker(self):
        target = self.request("web2", remote_user="ops", port=2200)[1]["target"]
        self.assertEqual((target["user"], target["port"]), ("ops", 2200))

    def test_a_become_task_still_brings_up_only_the_login(self):
        body = self.request("web1", {"command": "id", "become": True, "become_user": "postgres"})[1]
        self.assertIsNone(body["become"])
        self.assertEqual(body["target"]["user"], "deploy")

    def test_local_hosts_get_the_local_agent(self):
        target = self.request("controller")[1]["target"]
        self.assertEqual(target["transport"], "local")
        self.assertIsNone(target["python"])

    def test_other_transports_are_skipped(self):
        self.assertIsNone(self.connection("router"))

    def test_the_connection_keyword_and_variable_decide_as_in_the_worker(self):
        self.assertEqual(self.request("plain")[1]["target"]["transport"], "ssh")
        self.assertIsNone(self.connection("plain", connection="paramiko"))
        self.assertEqual(self.request("plain", connection="local")[1]["target"]["transport"], "local")
        # ansible_connection wins over the keyword
        self.assertIsNone(self.connection("router", connection="local"))
        self.assertEqual(self.request("web1", connection="paramiko")[1]["target"]["transport"], "ssh")

    def test_tasks_whose_connection_is_not_plainly_the_hosts_are_skipped(self):
        for task in ({"command": "hostname", "delegate_to": "web2"},
                     {"command": "hostname", "when": "false"},
                     {"command": "echo {{ item }}", "loop": [1, 2]}):
            self.assertIsNone(self.connection("web1", task), task)

    def test_one_request_per_host_sent_from_a_thread_and_a_daemon_failure_is_silent(self):
        runtime = tempfile.mkdtemp()
        os.chmod(runtime, 0o700)
        self.addCleanup(shutil.rmtree, runtime, True)
        answered = threading.Event()
        requests = []

        def handler(address, body):
            requests.append((address, body))
            answered.wait(10)  # a login takes a while: the strategy must not wait for it
            return {"platform": "linux", "os_release": "", "found": []}

        daemon = FakeDaemon(runtime, handler).write_daemon_json()
        self.addCleanup(daemon.close)
        os.environ["SPINDLE_RUNTIME_DIR"] = runtime
        self.addCleanup(os.environ.pop, "SPINDLE_RUNTIME_DIR")
        play, task = self.first_task({"command": "hostname"})
        threads = []
        for name in ("web1", "web1", "router", "web2"):  # web1 twice, router over paramiko
            host = self.inventory.get_host(name)
            task_vars = self.variables.get_vars(play=play, host=host, task=task)
            threads.append(self.preconnector.before_task(host, task, task_vars, PlayContext(play=play)))
        self.assertEqual([thread is not None for thread in threads], [True, False, False, True])
        self.assertTrue(all(thread.is_alive() for thread in threads if thread), "the strategy waited for the login")
        answered.set()
        for thread in self.preconnector.threads:
            thread.join(10)
        self.assertEqual(sorted(body["target"]["host"] for _, body in requests), ["192.0.2.10", "192.0.2.11"])

        daemon.handler = lambda address, body: Failure(1, "ssh: connect to host controller: Connection refused")
        host = self.inventory.get_host("controller")
        thread = self.preconnector.before_task(host, task, self.variables.get_vars(play=play, host=host, task=task),
                                               PlayContext(play=play))
        thread.join(10)
        self.assertFalse(thread.is_alive())


if __name__ == "__main__":
    unittest.main()
