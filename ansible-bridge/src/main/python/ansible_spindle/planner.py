"""The planner: for a task on a Spindle connection, runs the module without building AnsiballZ.

It lands here (issue 8, item 2). Until then every module goes the vanilla way, which the
connection tier already runs warm. ansible_patches routes ActionBase._execute_module here for
Spindle connections on the releases it knows.
"""


def execute_module(action, original, *args, **kwargs):
    """What ActionBase._execute_module(action, *args, **kwargs) returns; `original` is that method."""
    return original(action, *args, **kwargs)
