#!/usr/bin/python
# WANT_JSON: Ansible writes the arguments as JSON to a file and passes its path.
import json
import sys

with open(sys.argv[1]) as args_file:
    ARGS = json.load(args_file)

print(json.dumps({'changed': False, 'style': 'want_json', 'echo': ARGS.get('echo')}))
