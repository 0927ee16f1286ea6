"""One-line accounts of daemon requests and replies for -vvv.

They name the target, the become hop, the command and the module, and give sizes and hashes
for everything else: never a password, the daemon's secret, a module's arguments or a payload.
"""


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
    for key in ("src_path", "dest", "src", "dest_path", "cwd"):
        if key in body:
            parts.append("%s=%s" % (key, body[key]))
    return " ".join(parts)


def describe_reply(reply):
    if "rc" in reply:
        return "rc=%s stdout=%d bytes stderr=%d bytes" % (
            reply["rc"], _decoded_size(reply.get("stdout_b64")), _decoded_size(reply.get("stderr_b64")))
    if "sha1" in reply:
        return "size=%s sha1=%s" % (reply.get("size"), reply["sha1"])
    return "done"


def _decoded_size(b64):
    """The length of what the base64 text `b64` (or None) decodes to."""
    if not b64:
        return 0
    return len(b64) * 3 // 4 - b64[-2:].count("=")
