# Records every task result of a playbook run as one JSON line, so that two runs of the same
# playbooks (vanilla ssh and spindle_ssh) can be compared result by result.
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = '''
    name: spindle_record
    type: notification
    short_description: records every task and item result as JSON lines
    description:
      - Appends one JSON object per result (ok, failed, skipped, unreachable, and the same for
        each loop item) to the file named by SPINDLE_RECORD_FILE. Does nothing when it is unset.
      - Each line holds the play, the task name, the task's file:line, the host, the event and
        the result exactly as other callbacks see it.
    requirements:
      - enabled with callbacks_enabled = spindle_record
'''

import json
import os

from ansible.module_utils.common.json import AnsibleJSONEncoder
from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'spindle_record'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        path = os.environ.get('SPINDLE_RECORD_FILE')
        self._out = open(path, 'a') if path else None
        self._play = None

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()

    def _record(self, event, result):
        if self._out is None:
            return
        task = result._task
        path = task.get_path()  # "/dir/file.yml:12"; empty for the implicit fact-gathering task
        line = {
            'play': self._play,
            'task': result.task_name or task.get_name(),
            'path': os.path.basename(path) if path else '',
            'host': result._host.get_name(),
            'event': event,
            'result': result._result,
        }
        self._out.write(json.dumps(line, cls=AnsibleJSONEncoder, sort_keys=True) + '\n')
        self._out.flush()

    def v2_runner_on_ok(self, result):
        self._record('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record('failed', result)

    def v2_runner_on_skipped(self, result):
        self._record('skipped', result)

    def v2_runner_on_unreachable(self, result):
        self._record('unreachable', result)

    def v2_runner_item_on_ok(self, result):
        self._record('item_ok', result)

    def v2_runner_item_on_failed(self, result):
        self._record('item_failed', result)

    def v2_runner_item_on_skipped(self, result):
        self._record('item_skipped', result)
