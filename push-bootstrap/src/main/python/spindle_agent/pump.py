"""Moving bytes between the agent and a process, on the calling thread.

Contract: pump(drains, feed, data, deadline) writes `data` to fd `feed`, closing it once
written, while it reads each fd in `drains` to its end (EIO, a pty's other side gone, is an
end; EPIPE ends the writing). -> ({fd: bytes}, finished); finished is False if the deadline
(time.monotonic(), None: none) came first. The feed is always closed, the drains never.
"""

import os
import selectors
import time

__all__ = ["pump"]


def pump(drains, feed=None, data=b"", deadline=None):
    chunks = dict((fd, []) for fd in drains)
    left = memoryview(data or b"")
    with selectors.DefaultSelector() as selector:
        for fd in drains:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        if feed is not None and left:
            os.set_blocking(feed, False)
            selector.register(feed, selectors.EVENT_WRITE)
        elif feed is not None:
            os.close(feed)
            feed = None
        try:
            while selector.get_map():
                timeout = None if deadline is None else deadline - time.monotonic()
                if timeout is not None and timeout <= 0:
                    return _joined(chunks), False
                for key, _ in selector.select(timeout):
                    try:
                        if key.fd == feed:
                            left = left[os.write(feed, left[:65536]):]
                        else:
                            block = os.read(key.fd, 65536)
                            chunks[key.fd].append(block)
                    except BlockingIOError:
                        continue
                    except OSError:  # EPIPE, or EIO from a pty: the end either way
                        left = block = b""
                    if key.fd == feed and not left:
                        selector.unregister(feed)
                        os.close(feed)
                        feed = None
                    elif key.fd != feed and not block:
                        selector.unregister(key.fd)
        finally:
            if feed is not None:
                os.close(feed)
    return _joined(chunks), True


def _joined(chunks):
    return dict((fd, b"".join(parts)) for fd, parts in chunks.items())
