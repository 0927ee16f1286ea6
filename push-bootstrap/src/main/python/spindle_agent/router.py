"""The agent's broker: one selector loop that moves frames between its parent, itself and its
become children (docs/protocol.md sections 2-3 and 6).

Contract:
- Router.run() is the loop; it runs on the main thread and only ever does non-blocking IO.
  It returns when the parent stream ends or stop() is called, and raises FrameError when the
  parent sends a malformed frame (the agent must then exit: its only channel is corrupt).
- Frames from the parent: dst == this context goes to the handler registered for the handle
  (or to the waiter of a reply handle); dst == a ready child goes down to that child;
  anything else is answered with spindle.DeadContext / spindle.NoSuchHandle.
- Frames from a child must carry src == the child's id and may not address this agent;
  otherwise they are dropped with a log record. The rest goes up to the parent unchanged.
- A request sent down to a child waits for its reply (CALL) or for its LAST or ERROR frame
  (STREAM_CALL, whose items pass on before that).
- A child whose stream ends or carries a malformed frame is closed alone: requests still
  waiting for it are answered with spindle.DeadContext and later frames for it likewise. These
  answers come from this agent's own id: the controller takes them from a child's parent only.
- send(), request(), defer(), stop() and children() are safe from any thread. What touches the
  selector (watch, unwatch, add_child, close_child) runs on the loop thread; other threads
  reach it through defer().
"""

import collections
import itertools
import json
import logging
import os
import selectors
import threading
import time

from .errors import DeadContext, NoSuchHandle, Timeout, error_payload
from .framing import Decoder, FrameError, encode
from .protocol import (
    FIRST_REPLY_HANDLE, FLAG_ERROR, FLAG_LAST, HANDLE_STREAM_CALL, MAX_PREAMBLE, READY_MARKER,
)

__all__ = ["Stream", "ChildStream", "Router", "dump_json"]

log = logging.getLogger(__name__)

READ_SIZE = 64 * 1024
MAX_NOISE_QUOTED = 400  # characters of pre-marker output an error message quotes
_READ = selectors.EVENT_READ
_WRITE = selectors.EVENT_WRITE
_json_encoder = json.JSONEncoder(separators=(",", ":"))


def dump_json(value):
    """Compact, ASCII-only JSON bytes."""
    return _json_encoder.encode(value).encode("ascii")


def _forward(frame):
    return encode(frame.dst, frame.src, frame.handle, frame.reply_to, frame.payload, frame.flags)


class Stream(object):
    """One ordered byte stream to a peer: frames come in through a Decoder, bytes go out
    through a queue.

    write() may be called from any thread. It writes at once when nothing is queued and
    queues what the kernel did not take; the router's loop flushes the queue when the fd is
    writable, so no thread ever blocks on a slow peer.
    """

    def __init__(self, rfd, wfd, max_frame):
        self.rfd = rfd
        self.wfd = wfd
        self.decoder = Decoder(max_frame)
        self.broken = False         # the peer stopped reading: output is dropped
        self.watching_write = False  # owned by the router's loop
        self._queue = collections.deque()
        self._lock = threading.Lock()

    def write(self, data):
        """Send data; return True when some of it is left waiting for the loop."""
        with self._lock:
            if self._queue:
                self._queue.append(memoryview(data))
                return True
            written = self._write_some(data)
            if written < len(data):
                self._queue.append(memoryview(data)[written:])
                return True
            return False

    def pending(self):
        return bool(self._queue)

    def flush(self):
        with self._lock:
            while self._queue:
                chunk = self._queue[0]
                written = self._write_some(chunk)
                if written < len(chunk):
                    self._queue[0] = chunk[written:]
                    return
                self._queue.popleft()

    def read(self):
        """Return the bytes available, b"" at end of stream, None if nothing is ready."""
        try:
            return os.read(self.rfd, READ_SIZE)
        except BlockingIOError:
            return None
        except OSError:  # ECONNRESET and friends: the peer is gone either way
            return b""

    def close(self):
        for fd in {self.rfd, self.wfd}:
            os.close(fd)

    def _write_some(self, data):
        # Returns how much the kernel took. A dead peer counts as "took everything": the
        # data is dropped and the stream marked broken, its reader will see the end.
        if self.broken:
            return len(data)
        try:
            return os.write(self.wfd, data)
        except BlockingIOError:
            return 0
        except OSError:
            self.broken = True
            self._queue.clear()
            return len(data)


class ChildStream(Stream):
    """The channel to a become child. It carries noise until the child's ready marker, then
    frames whose src must be the child's id."""

    def __init__(self, context_id, fd, max_frame, on_ready, on_close):
        Stream.__init__(self, fd, fd, max_frame)
        self.context_id = context_id
        self.ready = False
        self.noise = bytearray()   # what the child printed before its marker
        self.awaiting = {}         # (src, reply_to) of requests sent down and not ended -> streamed
        self.on_ready = on_ready   # () -> bool; False means the spawn was abandoned
        self.on_close = on_close   # (reason) -> None
        self.pid = None            # the become program's pid, for stats
        self.spawn = None          # its become._Spawn


class Router(object):
    """Routes frames for one agent; see the module docstring for the rules."""

    def __init__(self, context_id, parent):
        self.context_id = context_id
        self.parent = parent
        self.max_frame = parent.decoder.max_frame
        self._selector = selectors.DefaultSelector()
        self._interest = {}    # fd -> {event: callback}; also the selector key's data
        self._handlers = {}    # handle -> callback(frame) for frames the parent sends here
        self._replies = {}     # reply handle -> callback(frame), used once
        self._handle_ids = itertools.count(FIRST_REPLY_HANDLE)
        self._children = {}    # context id -> ChildStream, from spawn until closed
        self._dead = {}        # context id -> why it is gone, for DeadContext messages
        self._deferred = collections.deque()
        self._running = True
        self._wake_r, self._wake_w = os.pipe()
        for fd in (self._wake_r, self._wake_w, parent.rfd, parent.wfd):
            os.set_blocking(fd, False)
        self.watch(self._wake_r, self._drain_wakeups)
        self.watch(parent.rfd, self._read_parent)

    # --- any thread ---------------------------------------------------------------------

    def add_handler(self, handle, callback):
        """callback(frame) runs on the loop thread for frames the parent sends to handle."""
        self._handlers[handle] = callback

    def send(self, dst, handle, payload, flags=0, reply_to=0):
        """Send a frame from this context towards the parent."""
        if len(payload) > self.max_frame:
            raise ValueError("payload of %d bytes exceeds the maximum frame of %d bytes"
                             % (len(payload), self.max_frame))
        self._write(self.parent, encode(dst, self.context_id, handle, reply_to, payload, flags))

    def send_error(self, dst, handle, exc, traceback_text=""):
        self.send(dst, handle, dump_json(error_payload(exc, traceback_text)), FLAG_ERROR)

    def request(self, dst, handle, value, timeout):
        """Send value as JSON with a fresh reply handle and return the reply Frame."""
        answered = threading.Event()
        replies = []

        def on_reply(frame):
            replies.append(frame)
            answered.set()

        reply_to = next(self._handle_ids)
        self._replies[reply_to] = on_reply
        self.send(dst, handle, dump_json(value), reply_to=reply_to)
        if not answered.wait(timeout):
            self._replies.pop(reply_to, None)
            raise Timeout("no answer from context %d to handle %d within %s s"
                          % (dst, handle, timeout))
        return replies[0]

    def children(self):
        """[{"context_id", "pid", "ready"}] of the children, live or booting."""
        return [{"context_id": c.context_id, "pid": c.pid, "ready": c.ready}
                for c in list(self._children.values())]

    def child(self, context_id):
        """The ChildStream of a live or booting child, or None (loop thread)."""
        return self._children.get(context_id)

    def in_use(self, context_id):
        """True for this agent's own id and its children's, live or booting."""
        return context_id == self.context_id or context_id in self._children

    def defer(self, callback):
        """Run callback() on the loop thread soon."""
        self._deferred.append(callback)
        self._wake()

    def stop(self):
        self.defer(self._halt)

    # --- loop thread --------------------------------------------------------------------

    def run(self):
        while self._running:
            self._sync_write_interest()
            for key, mask in self._selector.select():
                callbacks = key.data
                if mask & _READ and _READ in callbacks:
                    callbacks[_READ]()
                if mask & _WRITE and _WRITE in callbacks:
                    callbacks[_WRITE]()
            self._run_deferred()
            if self.parent.broken:
                self._running = False

    def watch(self, fd, callback):
        """Call callback() whenever fd is readable."""
        self._set_interest(fd, _READ, callback)

    def unwatch(self, fd):
        callbacks = self._interest.pop(fd, None)
        if callbacks is not None:
            callbacks.clear()  # neutralises events already selected for this fd
            self._selector.unregister(fd)

    def add_child(self, child):
        self._children[child.context_id] = child
        self.watch(child.rfd, lambda: self._read_child(child))

    def close_child(self, context_id, reason):
        child = self._children.pop(context_id, None)
        if child is None:
            return
        self._dead[context_id] = "context %d is gone: %s" % (context_id, reason)
        self.unwatch(child.rfd)
        child.close()
        for src, reply_to in child.awaiting:
            self.send_error(src, reply_to, DeadContext(self._dead[context_id]))
        log.info("closed context %d: %s", context_id, reason)
        child.on_close(reason)

    def close_children(self, reason):
        for context_id in list(self._children):
            self.close_child(context_id, reason)

    def flush_parent(self, timeout):
        """Give queued output to the parent up to timeout seconds (used on the way out)."""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.parent.wfd, _WRITE)
            while self.parent.pending() and selector.select(deadline - time.monotonic()):
                self.parent.flush()

    # --- internals ----------------------------------------------------------------------

    def _write(self, stream, data):
        if stream.write(data):
            self._wake()

    def _wake(self):
        try:
            os.write(self._wake_w, b"\0")
        except BlockingIOError:
            pass  # the pipe is full: the loop is certainly going to wake up

    def _drain_wakeups(self):
        while True:
            try:
                if not os.read(self._wake_r, 4096):
                    return
            except BlockingIOError:
                return

    def _halt(self):
        self._running = False

    def _run_deferred(self):
        while self._deferred:
            callback = self._deferred.popleft()
            try:
                callback()
            except Exception:
                log.exception("deferred %r failed", callback)

    def _set_interest(self, fd, event, callback):
        callbacks = self._interest.get(fd)
        if callbacks is None:
            if callback is None:
                return
            callbacks = self._interest[fd] = {event: callback}
            self._selector.register(fd, event, callbacks)
            return
        if callback is None:
            callbacks.pop(event, None)
        else:
            callbacks[event] = callback
        mask = sum(callbacks)
        if mask:
            self._selector.modify(fd, mask, callbacks)
        else:
            del self._interest[fd]
            self._selector.unregister(fd)

    def _sync_write_interest(self):
        for stream in itertools.chain((self.parent,), self._children.values()):
            wanted = stream.pending()
            if wanted != stream.watching_write:
                stream.watching_write = wanted
                self._set_interest(stream.wfd, _WRITE, stream.flush if wanted else None)

    def _read_parent(self):
        data = self.parent.read()
        if data is None:
            return
        if not data:
            self._running = False
            self.parent.decoder.close()  # raises if the parent stopped inside a frame
            return
        for frame in self.parent.decoder.feed(data):
            self._route_from_parent(frame)

    def _route_from_parent(self, frame):
        if frame.dst == self.context_id:
            self._deliver(frame)
            return
        child = self._children.get(frame.dst)
        if child is None or not child.ready:
            reason = self._dead.get(frame.dst, "no route to context %d" % frame.dst)
            self._refuse(frame, DeadContext(reason))
            return
        if frame.reply_to:
            child.awaiting[(frame.src, frame.reply_to)] = frame.handle == HANDLE_STREAM_CALL
        self._write(child, _forward(frame))

    def _deliver(self, frame):
        callback = self._handlers.get(frame.handle) or self._replies.pop(frame.handle, None)
        if callback is None:
            self._refuse(frame, NoSuchHandle("context %d has no handle %d"
                                             % (self.context_id, frame.handle)))
            return
        try:
            callback(frame)
        except Exception:
            log.exception("handler for handle %d failed", frame.handle)

    def _refuse(self, frame, exc):
        if frame.reply_to:
            self.send_error(frame.src, frame.reply_to, exc)
        else:
            log.warning("dropped frame from %d to %d handle %d: %s",
                        frame.src, frame.dst, frame.handle, exc)

    def _read_child(self, child):
        data = child.read()
        if data is None:
            return
        if not data:
            self.close_child(child.context_id, self._end_reason(child))
            return
        if not child.ready:
            data = self._await_marker(child, data)
            if not data:
                return
        error = None
        try:
            frames = child.decoder.feed(data)
        except FrameError as exc:
            frames, error = exc.frames, exc  # what came before the bad frame still counts
        for frame in frames:
            self._route_from_child(child, frame)
        if error is not None:
            self.close_child(child.context_id, "bad frame: %s" % error)

    def _end_reason(self, child):
        try:
            child.decoder.close()
        except FrameError as exc:
            return str(exc)
        if not child.ready and child.noise:
            # what the command said instead of starting, e.g. a nologin shell's refusal
            said = " ".join(bytes(child.noise).decode("utf-8", "replace").split())
            return "its channel closed; it said: %s" % said[-MAX_NOISE_QUOTED:]
        return "its channel closed"

    def _await_marker(self, child, data):
        """Collect pre-marker noise; return the bytes after the marker once it arrived."""
        child.noise += data
        index = child.noise.find(READY_MARKER)
        if index < 0:
            if len(child.noise) > MAX_PREAMBLE:
                self.close_child(child.context_id, "%d bytes of output without a ready marker"
                                 % len(child.noise))
            return None
        if index:
            log.info("context %d printed before its ready marker: %r",
                     child.context_id, bytes(child.noise[:index]))
        rest = bytes(child.noise[index + len(READY_MARKER):])
        del child.noise[:]
        if not child.on_ready():
            self.close_child(child.context_id, "its spawn was abandoned")
            return None
        child.ready = True
        return rest

    def _route_from_child(self, child, frame):
        if frame.src != child.context_id:
            log.warning("dropped frame from context %d claiming src %d (dst %d, handle %d)",
                        child.context_id, frame.src, frame.dst, frame.handle)
            return
        if frame.dst == self.context_id:
            log.warning("dropped frame from context %d to this agent (handle %d): children "
                        "may only talk to the controller", child.context_id, frame.handle)
            return
        key = (frame.dst, frame.handle)
        streamed = child.awaiting.get(key)
        # a plain request ends with its reply, a streamed one with its LAST or ERROR frame
        if streamed is False or streamed and frame.flags & (FLAG_LAST | FLAG_ERROR):
            del child.awaiting[key]
        self._write(self.parent, _forward(frame))
