#!/usr/bin/python
# A module that dies with an uncaught exception after AnsibleModule parsed its arguments:
# Ansible reports MODULE FAILURE with the traceback in module_stderr.
from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(message=dict(type='str', default='raised on purpose')))
    raise RuntimeError(module.params['message'])


if __name__ == '__main__':
    main()
