#!/usr/bin/python
# An old-style module: Ansible writes the arguments as key=value words (shell-quoted) to a file
# and passes its path.
import json
import shlex
import sys

with open(sys.argv[1]) as args_file:
    ARGS = dict(word.split('=', 1) for word in shlex.split(args_file.read()))

print(json.dumps({'changed': False, 'style': 'old', 'echo': ARGS.get('echo')}))
