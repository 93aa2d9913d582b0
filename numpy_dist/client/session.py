"""The notebook's side of the transport: ipyparallel messages to every engine at once.

:class:`Session` sends operations to every engine at once
(``DirectView.apply_async`` on a view of all engines, non-blocking), keeps the
replies it has not looked at yet, and waits only when the notebook needs a
value.  An operation issued while the engines are idle is sent at once; the
ones issued while they are still busy wait in an outbox and go together, in
one message, when the engines are idle again at the next operation, when the
notebook waits for anything, at the end of a notebook cell, or when the
outbox holds :data:`BATCH_LIMIT` operations (Nagle's rule: a chain of small
operations costs one message per batch, not per operation).  While it waits it
watches the engines: a dead MPI job or a silent one becomes an exception in
the notebook, not a frozen kernel.  Proxies that are garbage-collected queue
their keys; the next message frees them on the engines.
"""

from __future__ import annotations

import atexit
import collections
import itertools
import sys
import threading
import time
import uuid
from typing import Any

import numpy as np

from . import engine
from .errors import EngineDiedError, EngineTimeoutError, from_engine_records, from_ipyparallel
from .meta import Prediction
from .proxy import RemoteArray, RemoteObject, to_wire
from .wire import ARRAY, OBJECT, SEQUENCE, VALUE, key_label, travels_by_reference

__all__ = ["Session", "Ticket"]

#: Replies kept before the oldest answered ones are dropped (they are checked for errors first).
PENDING_LIMIT = 256
#: Operations gathered in the outbox while the engines are busy before they are sent anyway.
BATCH_LIMIT = 64
#: How often a wait looks at the engines' health (seconds).
POLL = 0.25
#: Seconds close() gives the engines to free this session's arrays.
CLOSE_WAIT = 5.0


class _Message:
    """One ipyparallel message to every engine (or to one), and its replies, read once."""

    __slots__ = ("ar", "_replies")

    def __init__(self, ar: Any):
        self.ar, self._replies = ar, None

    def replies(self) -> list:
        if self._replies is None:
            self._replies = self.ar.get()
        return self._replies


class Ticket:
    """One operation's place in the transport: its message once sent, and its index in that message's replies
    (None: the message is the operation's own, a helper of :mod:`~numpy_dist.client.engine`)."""

    __slots__ = ("operation", "index", "message")

    def __init__(self, operation: str, index: int | None = None, message: _Message | None = None):
        self.operation, self.index, self.message = operation, index, message

    def ready(self) -> bool:
        return self.message is not None and self.message.ar.ready()


class Session:
    """Sends operations to a fixed set of MPI engines and turns their answers into proxies and values.

    Parameters
    ----------
    rc : ipyparallel.Client
        Connected to a cluster whose engines are the ranks of one MPI job.
    cluster : ipyparallel.Cluster, optional
        The cluster this session started (watched while waiting; stopped by :meth:`close`).
    timeout : float
        Seconds a wait may last before :class:`EngineTimeoutError` (0: no limit).
    """

    def __init__(self, rc: Any, cluster: Any = None, timeout: float = 120.0):
        self.rc, self.cluster, self.timeout = rc, cluster, timeout
        self.view = rc[:]
        self.view.block = False
        self._ids = list(self.view.targets)
        self._closed = False
        self._broken: str | None = None
        # Keys are (session token, n): several notebooks may share one cluster's engines.
        self.token = uuid.uuid4().hex[:12]
        self._keys = itertools.count(1)
        self._pending: collections.deque = collections.deque()
        self._outbox: list[tuple] = []
        self._queued: list[Ticket] = []
        self._last: _Message | None = None
        self._garbage: list = []
        self._lock = threading.Lock()
        self.rank_of_engine: dict[int, int] = {}
        # Functions defined in the notebook run in the engines' user namespace: give it np and nd, as here.
        self.view.execute("import numpy as np\nimport numpy_dist as nd", block=False)
        placed = self.wait(self.submit_all(engine.setup, operation="connecting to the engines"))
        sizes = {size for _, size in placed}
        if sizes != {len(self._ids)}:
            raise RuntimeError(f"the {len(self._ids)} engines are not one MPI job (COMM_WORLD sizes {sorted(sizes)}); "
                               "start them with engines='mpi'")
        self.rank_of_engine = {eid: rank for eid, (rank, _) in zip(self._ids, placed)}
        self.engine_of_rank = {rank: eid for eid, rank in self.rank_of_engine.items()}
        self._rank0 = [rank for rank, _ in placed].index(0)
        self.nprocs = len(self._ids)
        # The outbox goes at the end of every notebook cell, and at exit (a script that never waits).
        shell = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
        self._shell = shell if shell is not None and hasattr(shell, "events") else None
        if self._shell is not None:
            self._shell.events.register("post_run_cell", self._after_cell)
        atexit.register(self._at_exit)

    # -- sending ----------------------------------------------------------------------
    def new_key(self) -> tuple[str, int]:
        return (self.token, next(self._keys))

    def submit(self, operation: str, target: Any, args: tuple = (), kwargs: dict | None = None,
               key: Any = None, answer: str = "rank0") -> Ticket:
        """Queue one operation for every engine (sent at once when they are idle); returns its ticket."""
        self._check_usable()
        call = (operation, to_wire(target, self), to_wire(args, self), to_wire(kwargs or {}, self), key, answer)
        if not travels_by_reference(call):
            self.send_outbox()  # it travels alone, after what was queued before it
            ticket = Ticket(operation, 0)
            ticket.message = self._send(engine.execute_alone, *call, self._take_garbage())
        else:
            ticket = Ticket(operation, len(self._outbox))
            self._outbox.append(call)
            self._queued.append(ticket)
            if len(self._outbox) >= BATCH_LIMIT or self._last is None or self._last.ar.ready():
                self.send_outbox()
        self._pending.append(ticket)
        if len(self._pending) > PENDING_LIMIT:
            self._drop_answered()
        return ticket

    def send_outbox(self) -> None:
        """Send the outbox now, as one message."""
        if not self._outbox:
            return
        message = self._send(engine.execute_batch, self._outbox, self._take_garbage())
        for ticket in self._queued:
            ticket.message = message
        self._outbox, self._queued = [], []

    def _send(self, func: Any, *args: Any, view: Any = None) -> _Message:
        self._last = _Message((view or self.view).apply_async(func, *args))
        return self._last

    def _take_garbage(self) -> list:
        with self._lock:
            release, self._garbage = self._garbage, []
        return release

    def submit_all(self, func: Any, *args: Any, operation: str) -> Ticket:
        """Send a helper of :mod:`~numpy_dist.client.engine` (not an operation) to every engine."""
        self._check_usable()
        self.send_outbox()
        ticket = Ticket(operation, message=self._send(func, *args))
        self._pending.append(ticket)
        return ticket

    def submit_to(self, rank: int, func: Any, *args: Any, operation: str) -> Ticket:
        """Send a rank-local step (a block of a scatter) to one engine only."""
        self._check_usable()
        self.send_outbox()
        ticket = Ticket(operation, message=self._send(func, *args, view=self.rc[self.engine_of_rank[rank]]))
        self._pending.append(ticket)
        return ticket

    def release(self, key: Any) -> None:
        """Queue ``key`` to be freed on the engines (from a proxy's ``__del__``: never blocks)."""
        # Only queued: __del__ may run inside another send (a GC pass), where sending again is unsafe.
        if self._closed or self._broken:
            return
        with self._lock:
            self._garbage.append(key)

    def flush_garbage(self) -> None:
        """Send the outbox, and free the collected keys now (with it, or in a message of their own; not waited on)."""
        if self._closed or self._broken:
            return
        if self._outbox:
            self.send_outbox()
            return
        release = self._take_garbage()
        if release:
            self._pending.append(Ticket("freeing collected arrays", message=self._send(engine.free, release)))

    # -- answers ----------------------------------------------------------------------
    def proxy(self, prediction: Prediction, operation: str, target: Any, args: tuple = (),
              kwargs: dict | None = None) -> RemoteArray:
        """Run an operation known to return one array: the proxy comes back at once."""
        key = self.new_key()
        ticket = self.submit(operation, target, args, kwargs, key)
        return RemoteArray(self, key, prediction.shape, prediction.dtype, source=ticket)

    def call(self, operation: str, target: Any, args: tuple = (), kwargs: dict | None = None,
             answer: str = "rank0") -> Any:
        """Run an operation and wait: a value, a proxy, or a sequence of them, as the engines say."""
        key = self.new_key()
        ticket = self.submit(operation, target, args, kwargs, key, answer)
        replies = self.wait(ticket)
        if answer.startswith("all"):
            return [self.build(replies[self._ids.index(self.engine_of_rank[r])], (key, "rank", r), ticket)
                    for r in range(self.nprocs)]
        return self.build(replies[self._rank0], key, ticket)

    def run_quietly(self, operation: str, target: Any, args: tuple = (), kwargs: dict | None = None) -> None:
        """Run an operation whose result the notebook does not need (setitem, in-place ufuncs)."""
        self.submit(operation, target, args, kwargs, None, "none")

    def build(self, descriptor: tuple, key: Any, ticket: Ticket) -> Any:
        """The notebook's object for an engine descriptor (see :mod:`~numpy_dist.client.wire`)."""
        tag = descriptor[0]
        if tag == ARRAY:
            _, shape, dtype, layout = descriptor
            return RemoteArray(self, key, shape, dtype, layout=layout, source=ticket)
        if tag == VALUE:
            return descriptor[1]
        if tag == OBJECT:
            return RemoteObject(self, key, descriptor[1])
        if tag == SEQUENCE:
            parts = [self.build(d, (key, i), ticket) for i, d in enumerate(descriptor[2])]
            return tuple(parts) if descriptor[1] == "tuple" else parts
        raise RuntimeError(f"unknown reply {descriptor!r}")

    def to_numpy(self, r: RemoteArray) -> np.ndarray:
        """The whole array in the notebook: each block comes once, from the engine that holds it."""
        operation = f"asnumpy(<RemoteArray #{key_label(r._remote_key)}>)"
        ticket = self.submit_all(engine.read_blocks, r._remote_key, operation=operation)
        out = np.empty(r.shape, r.dtype)
        for reply in self.wait(ticket):
            if reply is not None:
                selector, block = reply
                out[selector] = block
        return out

    def rank0_reply(self, ticket: Ticket) -> Any:
        return self.wait(ticket)[self._rank0]

    def wait(self, ticket: Ticket) -> list:
        """Wait for ``ticket``'s operation (every engine's reply, in view order), watching the engines meanwhile.

        Raises the first failure of an earlier operation not yet reported (named), then this one's.
        """
        if ticket.message is None:
            self.send_outbox()
        ar = ticket.message.ar
        start = time.monotonic()
        while not ar.ready():
            if ar.wait(POLL):
                break
            self._check_alive(ticket.operation)
            if self.timeout and time.monotonic() - start > self.timeout:
                raise EngineTimeoutError(
                    f"no answer from the engines within {self.timeout:g} s while waiting for {ticket.operation}: "
                    "an engine hangs or is busy (the session stays open; c.close() stops a cluster it started)")
        self._report_failures(ticket)
        return self._outcome(ticket)

    def _outcome(self, ticket: Ticket) -> list:
        """The engines' answers to an answered operation, in view order; raises its failure."""
        message = ticket.message
        if not message.ar.successful():
            raise self._translate(message.ar.exception(), ticket.operation)
        replies = message.replies()
        if ticket.index is None:
            return replies
        outcomes = [reply[ticket.index] for reply in replies]
        failures = [record for ok, record in outcomes if not ok]
        if failures:
            raise from_engine_records(failures, ticket.operation)
        return [answer for _, answer in outcomes]

    def sync(self) -> None:
        """Wait until every operation issued so far has run, raising the first failure (and free the collected)."""
        self.flush_garbage()
        for ticket in list(self._pending):
            self.wait(ticket)
        self._report_failures(None)

    def _report_failures(self, upto: Ticket | None) -> None:
        """Raise the earliest answered failure among the replies not yet looked at."""
        while self._pending:
            ticket = self._pending[0]
            if ticket is not upto and not ticket.ready():
                return
            self._pending.popleft()
            self._outcome(ticket)
            if ticket is upto:
                return

    def _drop_answered(self) -> None:
        while self._pending and self._pending[0].ready() and self._succeeded(self._pending[0]):
            self._pending.popleft()

    def _succeeded(self, ticket: Ticket) -> bool:
        try:
            self._outcome(ticket)
        except Exception:
            return False
        return True

    def _translate(self, error: BaseException, operation: str) -> BaseException:
        exc = from_ipyparallel(error, operation, self.rank_of_engine)
        if isinstance(exc, EngineDiedError):
            self._broken = str(exc)
        return exc

    # -- health ---------------------------------------------------------------------------
    def _check_usable(self) -> None:
        if self._closed:
            raise RuntimeError("this numpy_dist client is closed")
        if self._broken:
            raise EngineDiedError(f"the engines are gone ({self._broken.splitlines()[0]}); connect again")

    def _check_alive(self, operation: str) -> None:
        """Raise EngineDiedError when the MPI job or one of its engines is gone."""
        gone = ""
        if self.cluster is not None:
            for engine_set in self.cluster.engines.values():
                if engine_set.state != "running":
                    stop = getattr(engine_set, "stop_data", None) or {}
                    gone = f"the MPI job of the engines ended (mpiexec exit status {stop.get('exit_code')})"
        missing = set(self._ids) - set(self.rc.ids)
        if missing and not gone:
            gone = f"engine(s) {sorted(self.rank_of_engine.get(e, e) for e in missing)} (MPI ranks) stopped answering"
        if gone:
            self._broken = gone
            raise EngineDiedError(f"{gone} while running {operation}; the arrays on the engines are lost")

    # -- lifetime ---------------------------------------------------------------------------
    def _after_cell(self, *_: Any) -> None:
        """IPython's post_run_cell: what the cell issued goes to the engines now (failures wait for a wait)."""
        if not (self._closed or self._broken):
            try:
                self.send_outbox()
            except Exception:
                pass

    def _at_exit(self) -> None:
        """At exit (a script that did not close): what was issued runs, then this session's arrays are freed; a
        joined cluster outlives this process."""
        if not (self._closed or self._broken):
            self._finish()

    def _finish(self) -> None:
        """Send the outbox, then free this session's objects on the engines, within CLOSE_WAIT."""
        try:  # bounded: closing must not hang, nor fail, because the engines already died
            self.send_outbox()  # what was issued runs first (a setitem, a write ...)
            self.view.apply_async(engine.free_session, self.token).wait(CLOSE_WAIT)
        except Exception:
            pass

    def close(self) -> None:
        """Free this session's objects on the engines and disconnect (a cluster it started is stopped)."""
        if self._closed:
            return
        if self._shell is not None:
            self._shell.events.unregister("post_run_cell", self._after_cell)
        atexit.unregister(self._at_exit)
        if not self._broken:
            self._finish()
        self._closed = True
        self.rc.close()
        if self.cluster is not None:
            self.cluster.stop_cluster_sync()

    @property
    def closed(self) -> bool:
        return self._closed


