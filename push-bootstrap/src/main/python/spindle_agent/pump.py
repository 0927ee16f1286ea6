"""Moving bytes between the agent and a process it runs, on the calling worker thread.

Contract: pump(drains, feed, data, deadline) writes `data` to the fd `feed` (closing it when
done, unless it is also drained: a pty master) while reading every fd in `drains` until end
of stream; EIO (a pty whose other side is gone) counts as end of stream, and so does EPIPE
for the feed. It returns ({fd: bytes}, finished); finished is False when the deadline
(time.monotonic() value, None = none) passed first, with what was read so far. Every fd is
made non-blocking. The feed is always closed on return (unless drained); the caller closes the
drains.
"""

import os
import selectors
import time

__all__ = ["pump"]

_R = selectors.EVENT_READ
_W = selectors.EVENT_WRITE


def pump(drains, feed=None, data=b"", deadline=None):
    chunks = dict((fd, []) for fd in drains)
    interest = dict((fd, _R) for fd in drains)
    writing = [feed, memoryview(data or b"")]  # [fd still to close or None, what is left]
    if feed is not None and writing[1]:
        interest[feed] = interest.get(feed, 0) | _W
    try:
        with selectors.DefaultSelector() as selector:
            for fd, events in interest.items():
                os.set_blocking(fd, False)
                selector.register(fd, events)
            while interest:
                if not writing[1]:
                    _close_feed(writing, chunks)
                timeout = None if deadline is None else deadline - time.monotonic()
                if timeout is not None and timeout <= 0:
                    return _joined(chunks), False
                for key, mask in selector.select(timeout):
                    _serve(selector, interest, chunks, writing, key.fd, mask)
        return _joined(chunks), True
    finally:
        writing[1] = None
        _close_feed(writing, chunks)


def _serve(selector, interest, chunks, writing, fd, mask):
    if mask & _W and writing[1]:
        try:
            writing[1] = writing[1][os.write(fd, writing[1][:65536]):]
        except BlockingIOError:
            pass
        except OSError:  # EPIPE: the process stopped reading
            writing[1] = writing[1][:0]
        if not writing[1]:
            _drop(selector, interest, fd, _W)
    if mask & _R and fd in interest:
        try:
            block = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: every holder of the pty's other side is gone
            block = b""
        if block:
            chunks[fd].append(block)
        else:
            _drop(selector, interest, fd, _R | _W)


def _close_feed(writing, chunks):
    if writing[0] is not None and writing[0] not in chunks:
        os.close(writing[0])
    writing[0] = None


def _drop(selector, interest, fd, events):
    remaining = interest.get(fd, 0) & ~events
    if remaining:
        interest[fd] = remaining
        selector.modify(fd, remaining)
    elif fd in interest:
        del interest[fd]
        selector.unregister(fd)


def _joined(chunks):
    return dict((fd, b"".join(parts)) for fd, parts in chunks.items())
