#!/usr/bin/python
# A JSON-args module: Ansible puts the arguments where the marker below is, as JSON text.
import json
import os

ARGS = json.loads('''<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>''')

print(json.dumps({'changed': False, 'style': 'jsonargs', 'echo': ARGS.get('echo'), 'cwd_is_dir': os.path.isdir(os.getcwd())}))
