"""Durations as users write them in ansible.cfg and variables: 30s, 10m, 1h, 2d, or plain seconds."""

import re

_SECONDS_PER_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"\s*(\d+)\s*([smhd]?)\s*\Z", re.IGNORECASE)


def parse_duration(value):
    """The number of seconds `value` stands for; ValueError if it is not a duration."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _DURATION.match(str(value))
    if match is None:
        raise ValueError("%r is not a duration (write e.g. 30s, 10m, 1h or a number of seconds)"
                         % (value,))
    return int(match.group(1)) * _SECONDS_PER_UNIT[match.group(2).lower()]
