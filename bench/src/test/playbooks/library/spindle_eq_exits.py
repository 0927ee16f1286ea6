#!/usr/bin/python
# A module that leaves through sys.exit() itself instead of exit_json/fail_json, in the two
# shapes that matter: after printing its JSON result with a bare sys.exit() (status 0, the
# result must still be read), and with a status and no output at all (MODULE FAILURE, rc kept).
import json
import sys

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(status=dict(type='int', default=None)))
    if module.params['status'] is None:
        print(json.dumps({'changed': False, 'said': 'printed before a bare sys.exit()'}))
        sys.exit()
    sys.exit(module.params['status'])


if __name__ == '__main__':
    main()
