"""Errors the agent reports, and how any exception becomes an ERROR payload.

Contract: an ERROR frame carries {"type", "message", "traceback"} (docs/protocol.md
section 3). "type" is "spindle.<Name>" for the SpindleError subclasses below, the bare class
name for builtins ("ValueError") and "module.QualName" for everything else. A BecomeError
whose tool exited before it ran the agent adds "exited" (see BecomeError).
"""

__all__ = [
    "SpindleError", "NoSuchFunction", "NoSuchHandle", "DeadContext", "Timeout", "BecomeError",
    "UnknownPayload", "TransferError", "StreamRequired", "wire_type", "error_payload",
]


class SpindleError(Exception):
    """Base of the errors whose wire type is spindle.<ClassName>."""


class NoSuchFunction(SpindleError):
    """A CALL named a function the agent does not serve."""


class NoSuchHandle(SpindleError):
    """A frame was addressed to a handle nobody listens on."""


class DeadContext(SpindleError):
    """The destination context is gone or was never reachable from here."""


class Timeout(SpindleError):
    """An operation ran out of time."""


class BecomeError(SpindleError):
    """A become child (sudo, su, doas) could not be started.

    `exited` is set when the tool ended before it ran the agent's command (su to a nologin
    account, sudo to an unknown user): {"rc", "stdout_b64", "tty_b64", "prompted"}, what a
    command run through the tool would have returned, for the controller to answer with as
    vanilla Ansible would (docs/protocol.md section 6)."""

    def __init__(self, *args, exited=None):
        SpindleError.__init__(self, *args)
        self.exited = exited


class UnknownPayload(SpindleError):
    """run_module named a zip by sha1 that this agent does not hold: send it again."""


class TransferError(SpindleError):
    """A file transfer is unknown, or what arrived does not match what was announced."""


class StreamRequired(SpindleError):
    """A plain CALL named a function that answers with a stream of items."""


def wire_type(exc):
    cls = type(exc)
    if isinstance(exc, SpindleError):
        return "spindle." + cls.__name__
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return cls.__module__ + "." + cls.__qualname__


def error_payload(exc, traceback_text=""):
    payload = {"type": wire_type(exc), "message": str(exc), "traceback": traceback_text}
    exited = getattr(exc, "exited", None) if isinstance(exc, BecomeError) else None
    if exited is not None:
        payload["exited"] = exited
    return payload
