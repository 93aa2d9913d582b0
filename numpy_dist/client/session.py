"""The notebook's side of the transport: one ipyparallel message per operation.

:class:`Session` sends each operation to every engine at once
(``DirectView.apply_async`` on a view of all engines, non-blocking), keeps the
replies it has not looked at yet, and waits only when the notebook needs a
value.  While it waits it watches the engines: a dead MPI job or a silent one
becomes an exception in the notebook, not a frozen kernel.  Proxies that are
garbage-collected queue their keys; the next message frees them on the engines.
"""

from __future__ import annotations

import collections
import itertools
import threading
import time
import uuid
from typing import Any

import numpy as np

from . import engine
from .errors import EngineDiedError, EngineTimeoutError, from_ipyparallel
from .meta import Prediction
from .proxy import RemoteArray, RemoteObject, to_wire
from .wire import ARRAY, OBJECT, SEQUENCE, VALUE, key_label

__all__ = ["Session"]

#: Replies kept before the oldest answered ones are dropped (they are checked for errors first).
PENDING_LIMIT = 256
#: How often a wait looks at the engines' health (seconds).
POLL = 0.25
#: Seconds close() gives the engines to free this session's arrays.
CLOSE_WAIT = 5.0


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
        self._garbage: list = []
        self._lock = threading.Lock()
        self.rank_of_engine: dict[int, int] = {}
        # Functions defined in the notebook run in the engines' user namespace: give it np and nd, as here.
        self.view.execute("import numpy as np\nimport numpy_dist as nd", block=False)
        placed = self.wait(self.view.apply_async(engine.setup), "connecting to the engines")
        sizes = {size for _, size in placed}
        if sizes != {len(self._ids)}:
            raise RuntimeError(f"the {len(self._ids)} engines are not one MPI job (COMM_WORLD sizes {sorted(sizes)}); "
                               "start them with engines='mpi'")
        self.rank_of_engine = {eid: rank for eid, (rank, _) in zip(self._ids, placed)}
        self.engine_of_rank = {rank: eid for eid, rank in self.rank_of_engine.items()}
        self._rank0 = [rank for rank, _ in placed].index(0)
        self.nprocs = len(self._ids)

    # -- sending ----------------------------------------------------------------------
    def new_key(self) -> tuple[str, int]:
        return (self.token, next(self._keys))

    def submit(self, operation: str, target: Any, args: tuple = (), kwargs: dict | None = None,
               key: Any = None, answer: str = "rank0") -> Any:
        """Send one operation to every engine; returns ipyparallel's AsyncResult (not waited on)."""
        self._check_usable()
        with self._lock:
            release, self._garbage = self._garbage, []
        ar = self.view.apply_async(engine.execute, operation, to_wire(target, self), to_wire(args, self),
                                   to_wire(kwargs or {}, self), key, answer, release)
        self._pending.append((ar, operation))
        if len(self._pending) > PENDING_LIMIT:
            self._drop_answered()
        return ar

    def submit_all(self, func: Any, *args: Any, operation: str) -> Any:
        """Send a helper of :mod:`~numpy_dist.client.engine` (not an operation) to every engine."""
        self._check_usable()
        ar = self.view.apply_async(func, *args)
        self._pending.append((ar, operation))
        return ar

    def submit_to(self, rank: int, func: Any, *args: Any, operation: str) -> Any:
        """Send a rank-local step (a block of a scatter) to one engine only."""
        self._check_usable()
        ar = self.rc[self.engine_of_rank[rank]].apply_async(func, *args)
        self._pending.append((ar, operation))
        return ar

    def release(self, key: Any) -> None:
        """Queue ``key`` to be freed on the engines (from a proxy's ``__del__``: never blocks)."""
        # Only queued: __del__ may run inside another send (a GC pass), where sending again is unsafe.
        if self._closed or self._broken:
            return
        with self._lock:
            self._garbage.append(key)

    def flush_garbage(self) -> None:
        """Free the queued keys now, in a message of their own (not waited on)."""
        with self._lock:
            release, self._garbage = self._garbage, []
        if release and not (self._closed or self._broken):
            self._pending.append((self.view.apply_async(engine.free, release), "freeing collected arrays"))

    # -- answers ----------------------------------------------------------------------
    def proxy(self, prediction: Prediction, operation: str, target: Any, args: tuple = (),
              kwargs: dict | None = None) -> RemoteArray:
        """Run an operation known to return one array: the proxy comes back at once."""
        key = self.new_key()
        ar = self.submit(operation, target, args, kwargs, key)
        return RemoteArray(self, key, prediction.shape, prediction.dtype, source=(ar, operation, ()))

    def call(self, operation: str, target: Any, args: tuple = (), kwargs: dict | None = None,
             answer: str = "rank0") -> Any:
        """Run an operation and wait: a value, a proxy, or a sequence of them, as the engines say."""
        key = self.new_key()
        ar = self.submit(operation, target, args, kwargs, key, answer)
        replies = self.wait(ar, operation)
        if answer.startswith("all"):
            return [self.build(replies[self._ids.index(self.engine_of_rank[r])], (key, "rank", r), ar, operation)
                    for r in range(self.nprocs)]
        return self.build(replies[self._rank0], key, ar, operation)

    def run_quietly(self, operation: str, target: Any, args: tuple = (), kwargs: dict | None = None) -> None:
        """Run an operation whose result the notebook does not need (setitem, in-place ufuncs)."""
        self.submit(operation, target, args, kwargs, None, "none")

    def build(self, descriptor: tuple, key: Any, ar: Any, operation: str) -> Any:
        """The notebook's object for an engine descriptor (see :mod:`~numpy_dist.client.wire`)."""
        tag = descriptor[0]
        if tag == ARRAY:
            _, shape, dtype, layout = descriptor
            return RemoteArray(self, key, shape, dtype, layout=layout, source=(ar, operation, ()))
        if tag == VALUE:
            return descriptor[1]
        if tag == OBJECT:
            return RemoteObject(self, key, descriptor[1])
        if tag == SEQUENCE:
            parts = [self.build(d, (key, i), ar, operation) for i, d in enumerate(descriptor[2])]
            return tuple(parts) if descriptor[1] == "tuple" else parts
        raise RuntimeError(f"unknown reply {descriptor!r}")

    def to_numpy(self, r: RemoteArray) -> np.ndarray:
        """The whole array in the notebook: each block comes once, from the engine that holds it."""
        operation = f"asnumpy(<RemoteArray #{key_label(r._remote_key)}>)"
        ar = self.submit_all(engine.read_blocks, r._remote_key, operation=operation)
        out = np.empty(r.shape, r.dtype)
        for reply in self.wait(ar, operation):
            if reply is not None:
                selector, block = reply
                out[selector] = block
        return out

    def rank0_reply(self, ar: Any, operation: str) -> Any:
        return self.wait(ar, operation)[self._rank0]

    def wait(self, ar: Any, operation: str) -> list:
        """Wait for ``ar`` (every engine's reply, in view order), watching the engines meanwhile.

        Raises the first failure of an earlier operation not yet reported (named), then this one's.
        """
        start = time.monotonic()
        while not ar.ready():
            if ar.wait(POLL):
                break
            self._check_alive(operation)
            if self.timeout and time.monotonic() - start > self.timeout:
                raise EngineTimeoutError(
                    f"no answer from the engines within {self.timeout:g} s while waiting for {operation}: "
                    "an engine hangs or is busy (the session stays open; c.close() stops a cluster it started)")
        self._report_failures(ar)
        if not ar.successful():
            raise self._translate(ar.exception(), operation)
        return ar.get()

    def sync(self) -> None:
        """Wait until every operation sent so far has run, raising the first failure (and free the collected)."""
        self.flush_garbage()
        for ar, operation in list(self._pending):
            self.wait(ar, operation)
        self._report_failures(None)

    def _report_failures(self, upto: Any) -> None:
        """Raise the earliest answered failure among the replies not yet looked at."""
        while self._pending:
            ar, operation = self._pending[0]
            if ar is not upto and not ar.ready():
                return
            self._pending.popleft()
            if not ar.successful():
                raise self._translate(ar.exception(), operation)
            if ar is upto:
                return

    def _drop_answered(self) -> None:
        while self._pending and self._pending[0][0].ready() and self._pending[0][0].successful():
            self._pending.popleft()

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
    def close(self) -> None:
        """Free this session's objects on the engines and disconnect (a cluster it started is stopped)."""
        if self._closed:
            return
        self._closed = True
        if not self._broken:
            try:  # bounded: closing must not hang, nor fail, because the engines already died
                self.view.apply_async(engine.free_session, self.token).wait(CLOSE_WAIT)
            except Exception:
                pass
        self.rc.close()
        if self.cluster is not None:
            self.cluster.stop_cluster_sync()

    @property
    def closed(self) -> bool:
        return self._closed


