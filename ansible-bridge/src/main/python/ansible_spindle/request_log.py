"""One-line accounts of daemon requests and replies for -vvv.

They name the target, the become hop, the command and the module, and give sizes and hashes
for everything else: never a password, the daemon's secret, a module's arguments or a payload.
What the target sent is shown through printable(), so it cannot drive the operator's terminal.
"""

import unicodedata

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(value):
    """`value` as text with control, format and line-separator characters escaped.

    The daemon already escapes agent text this way (TargetText); this guards the terminal
    should anything reach it another way. Escaped text passes through unchanged.
    """
    return "".join(_escape(c) for c in str(value))


def _escape(c):
    if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"):
        return c
    if c in _ESCAPES:
        return _ESCAPES[c]
    return "\\x%02x" % ord(c) if ord(c) <= 0xff else "\\u%04x" % ord(c)


def describe_request(address, body):
    target, become = body["target"], body["become"]
    parts = [address, "%(transport)s:%(user)s@%(host)s:%(port)s" % target]
    if target.get("python"):
        parts.append("python=%s" % target["python"])
    if become:
        parts.append("become=%s:%s" % (become["method"], become["user"]))
    if "cmd" in body:
        parts.append("cmd=%r stdin=%d bytes pty=%s"
                     % (body["cmd"], _decoded_size(body["stdin_b64"]), body["pty"]))
    if "fqn" in body:
        parts.append("fqn=%s zip_sha1=%s zip=%d bytes params=%d bytes env=%s" % (
            body["fqn"], body["zip_sha1"], _decoded_size(body["zip_b64"]), len(body["params"]),
            ",".join(sorted(body["env"]))))
    for key in ("src_path", "dest", "src", "dest_path", "cwd", "isolation"):
        if key in body:
            parts.append("%s=%s" % (key, body[key]))
    return " ".join(parts)


def describe_reply(reply):
    if "rc" in reply:
        return "rc=%s stdout=%d bytes stderr=%d bytes" % (
            printable(reply["rc"]), _decoded_size(reply.get("stdout_b64")), _decoded_size(reply.get("stderr_b64")))
    if "sha1" in reply:
        return "size=%s sha1=%s" % (printable(reply.get("size")), printable(reply["sha1"]))
    return "done"


def _decoded_size(b64):
    """The length of what the base64 text `b64` (or None) decodes to."""
    if not b64:
        return 0
    return len(b64) * 3 // 4 - b64[-2:].count("=")
