# A transport the Spindle strategies must leave alone: Ansible's local plugin under another name,
# appending each command it runs to $RECORDING_LOCAL_LOG, so StrategyPlaybookTest sees it was used.

DOCUMENTATION = '''
    name: recording_local
    short_description: the local connection, recording what it runs (a test double for a third-party transport)
    description:
        - Runs on the controller as C(local) does, and appends every command to the file $RECORDING_LOCAL_LOG names.
    author: Spindle
    extends_documentation_fragment:
        - connection_pipelining
'''

import os

from ansible.plugins.connection.local import Connection as LocalConnection


class Connection(LocalConnection):

    transport = "recording_local"

    def exec_command(self, cmd, in_data=None, sudoable=True):
        with open(os.environ["RECORDING_LOCAL_LOG"], "a") as log:
            log.write(cmd.replace("\n", " ") + "\n")
        return super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
