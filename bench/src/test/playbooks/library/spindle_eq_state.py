#!/usr/bin/python
# Changes its process's state (how=change) or reports what a task before it may have left
# (how=report): cwd, an environment variable, a module global, a signal handler, an open fd.
# Each module must start as in a fresh process, as vanilla's does, so a report after a change
# shows none of it.
import os
import signal

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule

MARK = '/tmp/spindle_eq_state_fd_mark'


def main():
    module = AnsibleModule(argument_spec=dict(how=dict(type='str', choices=['change', 'report'], required=True)))
    if module.params['how'] == 'change':
        os.chdir('/')
        os.environ['SPINDLE_EQ_LEAK'] = 'leaked'
        basic.SPINDLE_EQ_LEAK = True
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
        os.open(MARK, os.O_WRONLY | os.O_CREAT, 0o600)  # left open on purpose
        module.exit_json(changed=True)
    fds = os.listdir('/proc/self/fd') if os.path.isdir('/proc/self/fd') else []
    open_marks = [fd for fd in fds if _link(fd) == MARK]
    module.exit_json(changed=False, cwd_is_root=os.getcwd() == '/', env='SPINDLE_EQ_LEAK' in os.environ,
                     module_global=hasattr(basic, 'SPINDLE_EQ_LEAK'),
                     sigusr1_default=signal.getsignal(signal.SIGUSR1) == signal.SIG_DFL,
                     mark_open=bool(open_marks))


def _link(fd):
    try:
        return os.readlink('/proc/self/fd/' + fd)
    except OSError:
        return None


if __name__ == '__main__':
    main()
