"""Logging in to a play's hosts before their first task (the Spindle strategies, known releases).

Without it the worker that runs a host's first task starts the SSH login and the agent's
bootstrap (the most expensive request of a short run) only after it has forked, templated the
task and looked up the module. The strategy, right before it queues a host's first task, resolves
that task's connection the way the worker will and, when the connection is Spindle's, sends
`spindle.interpreters` for it from a thread: the login runs while the worker starts, and the
worker's first request finds the agent up or starting (the daemon starts each agent once, and
a request for an agent that is starting waits for it).

The connection is resolved with TaskExecutor's own methods (_get_connection,
_set_connection_options) on a copy of the task and of the play context, so the target is the
worker's. Skipping is always correct (it only costs the time it would have saved), so whatever
is not plainly the worker's connection is skipped: a delegated task, a loop (its connection
variables may name the item), a conditional task (it may never connect), a connection that is
not Spindle's, anything that fails to resolve. The request brings up the login's agent only,
never a become child: every become child of the host starts from that agent, so a task with
become gains too, and no password of a become user is used ahead of the task.
"""

import inspect
import os
import threading

import ansible.constants as C
from ansible.executor.task_executor import TaskExecutor
from ansible.plugins import loader as plugin_loader

from ansible_spindle import ansible_patches, bridge_client
from ansible_spindle.connection_base import SpindleConnectionBase

try:  # ansible-core 2.19 and later template with this, as TaskExecutor does
    from ansible._internal._templating._engine import TemplateEngine as _Templar
except ImportError:
    from ansible.template import Templar as _Templar


class Preconnector(object):
    """Preconnects each host once per strategy run, at the first task queued for it."""

    def __init__(self, loader, variable_manager=None):
        self._loader = loader
        self._variable_manager = variable_manager
        self._hosts_seen = set()
        # the requests in flight, for tests
        self.threads = []

    def before_task(self, host, task, task_vars, play_context):
        """Called in the strategy's process before it queues `task` for `host`; never raises."""
        if host.name in self._hosts_seen:
            return None
        self._hosts_seen.add(host.name)
        try:
            connection = self.first_task_connection(host, task, task_vars, play_context)
            if connection is None:
                return None
            address, body = connection.preconnect_request(os.getpid(), self._interpreter(task_vars))
        except Exception:
            # the worker resolves it again and reports what is wrong in its own words
            return None
        thread = threading.Thread(target=_send, args=(connection.get_option("spindle_command"), address, body),
                                  name="spindle-preconnect-%s" % host.name, daemon=True)
        thread.start()
        self.threads.append(thread)
        return thread

    def first_task_connection(self, host, task, task_vars, play_context):
        """The Spindle connection the worker will make for `task` on `host`, or None to skip."""
        if task.delegate_to or task.loop or task.loop_with or task.when:
            return None
        task = task.copy(exclude_tasks=True)
        variables = dict(task_vars)
        templar = _Templar(loader=self._loader, variables=variables)
        # TaskExecutor._execute's steps up to the connection's options, in its order
        executor = self._executor(host, task, variables, play_context)
        executor._play_context = play_context.set_task_and_variable_override(task=task, variables=variables,
                                                                              templar=templar)
        executor._play_context.post_validate(templar=templar)
        if not executor._play_context.remote_addr:
            executor._play_context.remote_addr = host.address
        task.post_validate(templar=templar)
        if variables.get("ansible_connection") is not None:
            current_connection = templar.template(variables["ansible_connection"])
        else:
            current_connection = task.connection
        if not ansible_patches.names_a_spindle_connection(current_connection):
            return None  # without loading another transport's plugin (and its warnings) here
        connection = executor._get_connection(variables, templar, current_connection)
        if not isinstance(connection, SpindleConnectionBase):
            return None
        executor._connection = connection
        executor._set_connection_options(variables, templar)
        return connection

    def _interpreter(self, task_vars):
        """The interpreter the task's modules will name (`ansible_python_interpreter`, else
        interpreter_python), None when it is to be discovered: the agent to bring up is the one
        the daemon gives those modules."""
        name = "ansible_python_interpreter"
        if name in task_vars:
            value = _Templar(loader=self._loader, variables=task_vars).template(task_vars[name])
        else:
            value = C.config.get_config_value("INTERPRETER_PYTHON", variables=task_vars)
        if not isinstance(value, str) or not value.strip() or value.strip().startswith("auto"):
            return None
        return value.strip()

    def _executor(self, host, task, variables, play_context):
        # The constructor's parameters differ between releases (new_stdin went, variable_manager came).
        offered = {"host": host, "task": task, "job_vars": variables, "play_context": play_context,
                   "new_stdin": None, "loader": self._loader, "shared_loader_obj": plugin_loader,
                   "final_q": None, "variable_manager": self._variable_manager}
        wanted = inspect.signature(TaskExecutor.__init__).parameters
        return TaskExecutor(**dict((name, value) for name, value in offered.items() if name in wanted))


def _send(command, address, body):
    client = bridge_client.BridgeClient(command)
    try:
        client.request(address, body)
    except Exception:
        pass  # the task's own request meets the same failure and reports it
    finally:
        client.close()
