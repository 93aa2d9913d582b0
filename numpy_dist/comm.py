"""The communication layer: the only module of numpy_dist that sends messages.

Everything here is a thin wrapper over mpi4py's collectives that also feeds
the communication counter (:func:`comm_stats`), so tests can assert what an
operation moved.  Traffic is counted in two classes:

* *data* collectives (``collectives``, ``bytes_sent``): array elements or
  partial results moving between ranks;
* *control* collectives (``control_collectives``, ``control_bytes``): the
  small agreements that keep ranks consistent (error flags, verdicts,
  metadata checks).  They carry no array data.

Layer 2 (transport): it imports nothing of numpy_dist but the watchdog, the
counter (:mod:`numpy_dist.traffic`), the settings and the layout layer (only to install how ``None`` becomes a
communicator).  "Agree on a local failure" is spelled one way:
:func:`agreed` around a block of local work (:func:`agreed_call` for a
callable, :class:`LocalFailures` when local steps alternate with messages).
"""

from __future__ import annotations

import contextlib
import pickle
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from mpi4py import MPI

from . import _config
from . import distribution as _distribution
from .traffic import comm_stats, count_implicit, count_traffic, reset_comm_stats  # noqa: F401 (the comm API)
from .watchdog import watch

__all__ = [
    "get_comm",
    "comm_stats",
    "reset_comm_stats",
    "agree",
    "agreed",
    "agreed_call",
    "replicated_call",
    "LocalFailures",
]

_RELAY_TAG = 7171  # point-to-point messages of relay() (collectives use no tags)
_SENDRECV_TAG = 7172  # point-to-point messages of sendrecv()
_PASS_TAG = 7173  # point-to-point messages of pass_buffer()

def get_comm(comm: MPI.Intracomm | None = None) -> MPI.Intracomm:
    """Return ``comm``, or ``MPI.COMM_WORLD`` when it is None.

    Parameters
    ----------
    comm : mpi4py.MPI.Intracomm or None, optional
        The communicator to use.

    Returns
    -------
    mpi4py.MPI.Intracomm
        ``comm`` itself, or ``MPI.COMM_WORLD``.

    Raises
    ------
    TypeError
        If ``comm`` is not an mpi4py intracommunicator (identically on every
        rank: only the argument is looked at).

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> from mpi4py import MPI
    >>> nd.get_comm() is MPI.COMM_WORLD
    True
    """
    if comm is None:
        return MPI.COMM_WORLD
    if not isinstance(comm, MPI.Intracomm):
        raise TypeError(f"comm must be an mpi4py Intracomm or None, got {type(comm).__name__}")
    return comm


def resolve_comm(comm_or_context: Any) -> MPI.Intracomm:
    """A communicator from ``None``, an mpi4py communicator or a ``Context`` (its ``.comm``)."""
    if comm_or_context is None or isinstance(comm_or_context, MPI.Comm):
        return get_comm(comm_or_context)
    inner = getattr(comm_or_context, "comm", None)
    if isinstance(inner, MPI.Intracomm):
        return inner
    raise TypeError(f"expected an MPI communicator or a Context, got {type(comm_or_context).__name__}")


_distribution.install_comm_resolver(resolve_comm)


# --------------------------------------------------------------------------
# Process grids
# --------------------------------------------------------------------------

_GRID_KEYVAL = MPI.Comm.Create_keyval()


def _grid_cache(comm: MPI.Intracomm) -> dict:
    # Cached as an MPI attribute so the cache lives and dies with ``comm``.
    cache = comm.Get_attr(_GRID_KEYVAL)
    if cache is None:
        cache = {}
        comm.Set_attr(_GRID_KEYVAL, cache)
    return cache


def grid_subcomm(comm: MPI.Intracomm, proc_grid: tuple[int, ...], keep: tuple[int, ...]) -> MPI.Intracomm:
    """Sub-communicator of the ranks that differ only in grid dimensions ``keep``.

    The grid is Cartesian over ``comm`` in C order (rank = ravelled coords, no
    reordering).  Collective the first time a (grid, keep) pair is used;
    cached on ``comm`` afterwards.  Ranks in the sub-communicator are ordered
    by their coordinates along ``keep`` (C order), so a rank-ordered combine
    is a grid-ordered combine.
    """
    keep = tuple(sorted(keep))
    if len(keep) == len(proc_grid) or comm.Get_size() == 1:
        return comm
    cache = _grid_cache(comm)
    key = (tuple(proc_grid), keep)
    sub = cache.get(key)
    if sub is None:
        cart_key = ("cart", tuple(proc_grid))
        cart = cache.get(cart_key)
        if cart is None:
            with watch("Create_cart"):
                cart = comm.Create_cart(list(proc_grid), periods=[False] * len(proc_grid), reorder=False)
            cache[cart_key] = cart
        remain = [d in keep for d in range(len(proc_grid))]
        with watch("Cart_sub"):
            sub = cart.Sub(remain)
        cache[key] = sub
    return sub


# --------------------------------------------------------------------------
# Data collectives (counted as data traffic)
# --------------------------------------------------------------------------


def allgather_array(comm: MPI.Intracomm, local: np.ndarray) -> list[np.ndarray]:
    """Every rank's ``local`` (same dtype everywhere, any shapes), in rank order.

    One ``Allgather`` of shapes (control) and one ``Allgatherv`` of bytes.
    """
    local = np.ascontiguousarray(local)
    size = comm.Get_size()
    if size == 1:
        return [local.copy()]
    with watch("Allgather"):
        shapes = comm.allgather(local.shape)
    count_traffic(64 * size, control=True)
    counts = np.array([int(np.prod(s, dtype=np.int64)) * local.dtype.itemsize for s in shapes], dtype=np.int64)
    displs = np.zeros(size, dtype=np.int64)
    np.cumsum(counts[:-1], out=displs[1:])
    recv = np.empty(int(counts.sum()), dtype=np.uint8)
    send = local.reshape(-1).view(np.uint8) if local.size else np.empty(0, np.uint8)
    with watch("Allgatherv"):
        comm.Allgatherv(send, [recv, (counts, displs), MPI.BYTE])
    count_traffic(send.nbytes * (size - 1))
    out = []
    for r in range(size):
        chunk = recv[displs[r] : displs[r] + counts[r]]
        out.append(chunk.view(local.dtype).reshape(shapes[r]) if counts[r] else np.empty(shapes[r], local.dtype))
    return out


def alltoallv_bytes(
    comm: MPI.Intracomm,
    sendbuf: np.ndarray,
    sendcounts: np.ndarray,
    recvcounts: np.ndarray,
) -> np.ndarray:
    """One ``Alltoallv`` of raw bytes; counts are per rank, in bytes.

    Displacements are the exclusive prefix sums of the counts.  Bytes a rank
    sends to itself are not counted as traffic.
    """
    size = comm.Get_size()
    sendcounts = np.asarray(sendcounts, dtype=np.int64)
    recvcounts = np.asarray(recvcounts, dtype=np.int64)
    sdispl = np.zeros(size, dtype=np.int64)
    rdispl = np.zeros(size, dtype=np.int64)
    np.cumsum(sendcounts[:-1], out=sdispl[1:])
    np.cumsum(recvcounts[:-1], out=rdispl[1:])
    recv = np.empty(int(recvcounts.sum()), dtype=np.uint8)
    with watch("Alltoallv"):
        comm.Alltoallv([sendbuf, (sendcounts, sdispl), MPI.BYTE], [recv, (recvcounts, rdispl), MPI.BYTE])
    rank = comm.Get_rank()
    count_traffic(int(sendcounts.sum()) - int(sendcounts[rank]))
    return recv


def sendrecv(comm: MPI.Intracomm, send: np.ndarray, dest: int, source: int, recv_shape: tuple[int, ...],
             recv_dtype: Any = None) -> np.ndarray:
    """Send ``send`` to rank ``dest`` and receive an array of ``recv_shape`` from rank ``source``.

    One ``Sendrecv`` (data traffic; bytes a rank sends to itself are not
    counted).  The receiver knows the shape (and dtype, default
    ``send.dtype``) from global metadata, so no header travels.  Every rank
    of a shift calls it at once, so the pairs cannot deadlock.

    Examples
    --------
    >>> from mpi4py import MPI
    >>> import numpy as np
    >>> comm = MPI.COMM_WORLD
    >>> right, left = (comm.rank + 1) % comm.size, (comm.rank - 1) % comm.size
    >>> int(sendrecv(comm, np.array([comm.rank]), right, left, (1,))[0]) == left
    True
    """
    send = np.ascontiguousarray(send)
    out = np.empty(recv_shape, dtype=send.dtype if recv_dtype is None else recv_dtype)
    sbuf = send.reshape(-1).view(np.uint8) if send.nbytes else np.empty(0, np.uint8)
    rbuf = out.reshape(-1).view(np.uint8) if out.nbytes else np.empty(0, np.uint8)
    with watch("Sendrecv"):
        comm.Sendrecv([sbuf, MPI.BYTE], dest, _SENDRECV_TAG, [rbuf, MPI.BYTE], source, _SENDRECV_TAG)
    count_traffic(send.nbytes if dest != comm.Get_rank() else 0)
    return out


def bcast_array(comm: MPI.Intracomm, array: np.ndarray | None, root: int = 0) -> np.ndarray:
    """Broadcast a NumPy array from ``root`` (shape and dtype travel too)."""
    rank = comm.Get_rank()
    shape, dtype = bcast_object(comm, (array.shape, array.dtype.str) if rank == root else None, root=root)
    buf = np.ascontiguousarray(array) if rank == root else np.empty(shape, dtype=dtype)
    if buf.size:
        with watch("Bcast"):
            comm.Bcast(buf.reshape(-1).view(np.uint8), root=root)
    count_traffic(buf.nbytes * (comm.Get_size() - 1) if rank == root else 0)
    return buf


def relay(comm: MPI.Intracomm, step: Callable[[np.ndarray | None], tuple[Any, np.ndarray | None]]) -> Any:
    """Run ``step`` on each rank in rank order, passing a carry from each rank to the next.

    ``step(carry)`` gets the previous rank's carry (None on rank 0) and
    returns (this rank's result, the carry for the next rank).  For
    computations whose order NumPy defines (a scan of a non-associative
    operation): P - 1 point-to-point messages, one after another.  A step
    that raises still passes the carry it received on, so no rank waits
    forever; the exception is re-raised afterwards (agree on it outside).

    Examples
    --------
    >>> from mpi4py import MPI
    >>> relay(MPI.COMM_SELF, lambda carry: ("done", None))
    'done'
    """
    rank, size = comm.Get_rank(), comm.Get_size()
    carry = None
    if rank > 0:
        with watch("recv"):
            carry = comm.recv(source=rank - 1, tag=_RELAY_TAG)
    error, result, onward = None, None, carry
    try:
        result, onward = step(carry)
    except Exception as exc:  # noqa: BLE001 - re-raised once the next rank has its carry
        error = exc
    if rank < size - 1:
        with watch("send"):
            comm.send(onward, dest=rank + 1, tag=_RELAY_TAG)
        count_traffic(getattr(onward, "nbytes", 0))
    if error is not None:
        raise error
    return result


def allgather_object(comm: MPI.Intracomm, obj: Any, control: bool = True) -> list[Any]:
    """``comm.allgather`` of a small picklable object (counted as control by default)."""
    if comm.Get_size() == 1:
        return [obj]
    with watch("Allgather"):
        out = comm.allgather(obj)
    count_traffic(len(pickle.dumps(obj)) * (comm.Get_size() - 1), control=control)
    return out


def bcast_object(comm: MPI.Intracomm, obj: Any, root: int = 0, control: bool = True) -> Any:
    """Broadcast a small picklable object (counted as control by default).

    Buffer-based (length, then bytes): mpi4py's pickled ``bcast`` keeps the
    GIL while it waits, which would silence the watchdog thread.
    """
    if comm.Get_size() == 1:
        return obj
    rank = comm.Get_rank()
    data = np.frombuffer(pickle.dumps(obj), dtype=np.uint8) if rank == root else None
    length = np.array([data.size if data is not None else 0], dtype=np.int64)
    with watch("Bcast"):
        comm.Bcast(length, root=root)
    buf = data.copy() if data is not None else np.empty(int(length[0]), dtype=np.uint8)
    with watch("Bcast"):
        comm.Bcast(buf, root=root)
    count_traffic(int(length[0]) * (comm.Get_size() - 1) if rank == root else 0, control=control)
    return obj if rank == root else pickle.loads(buf.tobytes())


def allreduce_flags(comm: MPI.Intracomm, flags: int) -> int:
    """Bitwise OR of an integer flag word over ``comm`` (control traffic)."""
    if comm.Get_size() == 1:
        return int(flags)
    return int(allreduce_bor(comm, np.array([flags], dtype=np.int64))[0])


def allreduce_bor(comm: MPI.Intracomm, words: np.ndarray) -> np.ndarray:
    """Elementwise bitwise OR of int64 flag words over ``comm`` (one message of control traffic)."""
    words = np.ascontiguousarray(words, dtype=np.int64)
    if comm.Get_size() == 1:
        return words
    out = np.empty_like(words)
    with watch("Allreduce"):
        comm.Allreduce(words, out, op=MPI.BOR)
    count_traffic(words.nbytes, control=True)
    return out


#: Reduction operations by name, so callers above the transport need not import mpi4py.
_OPS = {"sum": MPI.SUM, "prod": MPI.PROD, "max": MPI.MAX, "min": MPI.MIN, "bor": MPI.BOR, "land": MPI.LAND,
        "lor": MPI.LOR}


def _op(op: MPI.Op | str) -> MPI.Op:
    return _OPS[op] if isinstance(op, str) else op


def allreduce_scalar(comm: MPI.Intracomm, value: Any, op: MPI.Op | str = MPI.SUM, control: bool = False) -> Any:
    """Allreduce of one number (int64 or float64 buffer; counted as data unless ``control``).

    ``op`` is an ``MPI.Op`` or its name: ``"sum"``, ``"prod"``, ``"max"``,
    ``"min"``, ``"bor"``, ``"land"``, ``"lor"``.
    """
    if comm.Get_size() == 1:
        return value
    buf = np.array([value])
    out = np.empty_like(buf)
    with watch("Allreduce"):
        comm.Allreduce(buf, out, op=_op(op))
    count_traffic(buf.nbytes, control=control)
    return out[0].item()


def exscan_counts(comm: MPI.Intracomm, count: int) -> tuple[int, int]:
    """(exclusive prefix sum of ``count`` in rank order, global total)."""
    counts = allgather_object(comm, int(count))
    rank = comm.Get_rank()
    return int(sum(counts[:rank])), int(sum(counts))


def barrier(comm: MPI.Intracomm) -> None:
    """``comm.Barrier()``, counted as a control collective."""
    if comm.Get_size() > 1:
        with watch("Barrier"):
            comm.Barrier()
        count_traffic(0, control=True)


# --------------------------------------------------------------------------
# Collective error agreement
# --------------------------------------------------------------------------


def _describe(exc: BaseException) -> bytes:
    """The exception pickled as (type, args, message); args None when they do not pickle.

    (NumPy's UFuncTypeError carries DType classes that do not pickle: the
    type and the message still travel, so every rank raises the same class.)
    """
    for args in (exc.args, None):
        try:
            return pickle.dumps((type(exc), args, str(exc)))
        except Exception:  # noqa: BLE001 - unpicklable args or type
            continue
    return pickle.dumps((RuntimeError, (str(exc),), str(exc)))


def _rebuild(etype: type, args: tuple | None, text: str) -> BaseException:
    """An exception of ``etype`` that reads ``text``, from its args when they rebuild it."""
    if args is not None:
        try:
            err = etype(*args)
            if str(err) == text:
                return err
        except Exception:  # noqa: BLE001 - constructors with other signatures
            pass
    err = etype.__new__(etype)
    err.args = (text,)
    try:
        if str(err) == text:
            return err
    except Exception:  # noqa: BLE001 - a __str__ that reads attributes the args did not carry
        pass
    # A same-named subclass whose message is the text (isinstance checks still hold).
    shim = type(etype.__name__, (etype,), {"__str__": lambda self: text, "__module__": etype.__module__})
    err = shim.__new__(shim)
    err.args = (text,)
    return err


def agree(comm: MPI.Intracomm, exc: BaseException | None) -> None:
    """Make a failure seen on any rank the same exception on every rank.

    Every rank passes the exception it saw locally (or None).  If any rank
    saw one, every rank raises an exception of the type the *lowest* failing
    rank saw, with that rank's message (prefixed with ``[rank k]`` when other
    ranks did not see it themselves).  A rank that raised locally re-raises
    its own exception object when it is the lowest failing rank, so its
    traceback is kept.

    Parameters
    ----------
    comm : mpi4py.MPI.Intracomm
        The ranks that agree; every one of them calls ``agree``.
    exc : BaseException or None
        The exception this rank saw, or None.

    Raises
    ------
    BaseException
        The lowest failing rank's exception (its type and message), on every
        rank, if any rank passed one.

    Notes
    -----
    Communication: one allgather of a small description (none on one rank).

    Examples
    --------
    >>> import numpy_dist as nd
    >>> from mpi4py import MPI
    >>> nd.agree(MPI.COMM_WORLD, None)   # nobody failed: returns None
    >>> try:
    ...     nd.agree(MPI.COMM_WORLD, ValueError("bad") if MPI.COMM_WORLD.rank == 0 else None)
    ... except ValueError as e:
    ...     print("every rank raised ValueError")
    every rank raised ValueError
    """
    if comm.Get_size() == 1:
        if exc is not None:
            raise exc
        return
    mine = None if exc is None else _describe(exc)
    everyone = allgather_object(comm, mine)
    failing = [r for r, e in enumerate(everyone) if e is not None]
    if not failing:
        return
    first = failing[0]
    if first == comm.Get_rank() and exc is not None:
        raise exc
    etype, args, text = pickle.loads(everyone[first])
    err = _rebuild(etype, args, text)
    if exc is None:
        # Say where it happened: this rank's data was fine.
        try:
            err = etype(f"[rank {first}] {text}") if not isinstance(err, KeyError) else err
        except Exception:
            pass
    raise err from exc


FP_BITS = {"divide by zero": 1, "overflow": 2, "underflow": 4, "invalid value": 8}
_FP_KINDS = (("divide by zero", "divide"), ("overflow", "over"), ("underflow", "under"), ("invalid value", "invalid"))
EXC_BIT = 16


_LIBRARY_PACKAGES = frozenset({"numpy", "numpy_dist", "contextlib"})  # (contextlib: agreed() blocks end there)
_USER_PACKAGES = ("numpy_dist.benchmarks.",)  # user programs shipped inside the package: their lines are named


def user_site() -> tuple[str, int, dict] | None:
    """Where user code called into numpy_dist: the innermost frame outside numpy_dist, NumPy and contextlib.

    Returns its file, line and module globals (what ``warnings.warn`` would
    name), or None when there is no such frame.  NumPy names the line that
    called the ufunc; so does numpy_dist, however deep inside the library the
    error was agreed or however late a deferred value was computed.
    """
    frame = sys._getframe(1)
    while frame is not None:
        globals_ = frame.f_globals
        name = globals_.get("__name__")
        inside = _library_modules.get(name)  # (a deferred call asks every time: the walk must be cheap)
        if inside is None:
            inside = _library_modules[name] = (str(name).partition(".")[0] in _LIBRARY_PACKAGES
                                               and not str(name).startswith(_USER_PACKAGES))
        if not inside:
            return frame.f_code.co_filename, frame.f_lineno, globals_
        frame = frame.f_back
    return None


_library_modules: dict[Any, bool] = {}  # module name -> whether user_site passes over its frames


def warn_at(site: tuple[str, int, dict] | None, message: str, category: type[Warning] = RuntimeWarning) -> None:
    """``warnings.warn`` as if called at ``site`` (see :func:`user_site`): same filters, registry, text."""
    if site is None:
        warnings.warn(message, category, stacklevel=2)
        return
    filename, lineno, globals_ = site
    registry = globals_.setdefault("__warningregistry__", {})
    try:
        warnings.warn_explicit(message, category, filename, lineno, module=globals_.get("__name__"),
                               registry=registry, module_globals=globals_)
    except ImportError:  # code with no source file (``python -c``, the REPL): its loader cannot give the line
        warnings.warn_explicit(message, category, filename, lineno, module=globals_.get("__name__"),
                               registry=registry)


# NumPy's floating-point errors of a local step are recorded into ``_fp_sink[0].flags`` while a capture is
# installed: a prepared errstate set through NumPy's context variable (a third of np.errstate's cost).
_fp_sink: list = [None]


def _record_fp(kind: str, _flag: int) -> None:
    # No function calls here: NumPy may call this with its loop's own exception pending (a negative integer
    # power cast into a float out=), and a C function returning then is a SystemError that hides it.
    _fp_sink[0].flags |= FP_BITS[kind] if kind in FP_BITS else 0


try:
    from numpy._core._ufunc_config import _extobj_contextvar as _errstate_var, _make_extobj

    _FP_CAPTURE = _make_extobj(all="call", call=_record_fp)
except ImportError:  # pragma: no cover - a NumPy without them: the public context manager
    _errstate_var = _FP_CAPTURE = None


def capture_fp(sink: Any) -> tuple:
    """Record NumPy's floating-point errors into ``sink.flags`` (:data:`FP_BITS`) instead of reporting them.

    Local, no communication.  Returns the token :func:`release_fp` takes; captures nest.
    """
    previous = _fp_sink[0]
    _fp_sink[0] = sink
    if _FP_CAPTURE is None:
        context = np.errstate(all="call", call=_record_fp)
        context.__enter__()
        return previous, context
    return previous, _errstate_var.set(_FP_CAPTURE)


def release_fp(token: tuple) -> None:
    """End the capture :func:`capture_fp` started (the caller's errstate and sink are back)."""
    previous, inner = token
    if isinstance(inner, np.errstate):
        inner.__exit__(None, None, None)
    else:
        _errstate_var.reset(inner)
    _fp_sink[0] = previous


def report_fp(flags: int, name: str, settings: dict | None = None,
              site: tuple[str, int, dict] | None = None) -> None:
    """Report floating-point errors seen on any rank the way ``np.seterr`` asks (warn, raise, call ...).

    ``settings``: the ``np.geterr()`` of the call that saw them, when it is not
    the current one; ``site``: where that call was made (default: the caller's
    user code, see :func:`user_site`), named by a warning.
    """
    settings = np.geterr() if settings is None else settings
    for kind, key in _FP_KINDS:
        if not flags & FP_BITS[kind]:
            continue
        mode = settings[key]
        message = f"{kind} encountered in {name}"
        if mode == "warn":
            warn_at(site or user_site(), message)
        elif mode == "raise":
            raise FloatingPointError(message)
        elif mode == "call":
            np.geterrcall()(kind, FP_BITS[kind])
        elif mode == "print":
            print(f"Warning: {message}")
        elif mode == "log":
            np.geterrcall().write(f"Warning: {message}\n")


class LocalFailures:
    """What this rank's local (communication-free) work saw, to be agreed on by every rank.

    Records the first exception and, when ``fp`` names the operation, NumPy's
    floating-point error flags (reported once, on every rank, as ``np.seterr``
    asks, instead of only on the ranks whose data raised them).  After a
    failure the remaining local steps are skipped, so a failing rank still
    takes part in every later message.  :meth:`agree` is collective.

    Parameters
    ----------
    comm : mpi4py.MPI.Intracomm
        The ranks that agree.
    fp : str, optional
        The operation's name: record and report floating-point errors under
        it (default: not recorded).

    Examples
    --------
    >>> from mpi4py import MPI
    >>> failures = LocalFailures(MPI.COMM_WORLD, fp="demo")
    >>> failures.run(lambda: 1 + 1)
    2
    >>> failures.agree()
    """

    def __init__(self, comm: MPI.Intracomm, fp: str | None = None) -> None:
        self.comm = comm
        self.fp = fp
        self.flags = 0
        self.exc: BaseException | None = None

    @contextlib.contextmanager
    def recording(self) -> Iterator[None]:
        """Run a block as one local step: its exception is kept, not raised (until :meth:`agree`)."""
        token = capture_fp(self) if self.fp is not None else None
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - every failure must be agreed on
            if self.exc is None:
                self.exc = exc
        finally:
            if token is not None:
                release_fp(token)

    def run(self, kernel: Callable[[], Any]) -> Any:
        """Run one local step (skipped after a failure); its result, or None when it failed."""
        if self.exc is not None:
            return None
        token = capture_fp(self) if self.fp is not None else None
        try:
            return kernel()
        except Exception as exc:  # noqa: BLE001 - every failure must be agreed on
            self.exc = exc
            return None
        finally:
            if token is not None:
                release_fp(token)

    def agree(self) -> None:
        """Collective: raise on every rank what any rank saw, then report FP errors seen anywhere."""
        comm = self.comm
        if comm.Get_size() == 1:
            if self.exc is not None:
                raise self.exc
            flags = self.flags
        elif self.fp is None:
            agree(comm, self.exc)
            return
        else:
            flags = allreduce_flags(comm, self.flags | (EXC_BIT if self.exc is not None else 0))
            if flags & EXC_BIT:
                agree(comm, self.exc)
        if flags & ~EXC_BIT:
            report_fp(flags & ~EXC_BIT, self.fp)


@contextlib.contextmanager
def agreed(comm: MPI.Intracomm, fp: str | None = None) -> Iterator[None]:
    """Context manager around local (communication-free) work that may fail.

    An exception raised inside the block on any rank is raised on every rank
    at the end of the block (see :func:`agree`).  With ``fp`` (the operation's
    name), NumPy floating-point errors seen on any rank are reported on every
    rank too, in one small allreduce of a flag word.  The block must not
    communicate: ranks that fail leave it early.  On one rank the block runs
    as plain NumPy (its own warnings and errors, unchanged).

    Parameters
    ----------
    comm : mpi4py.MPI.Intracomm
        The ranks that run the block; every one of them enters it.
    fp : str, optional
        The operation's name: report floating-point errors (as ``np.seterr``
        asks) under that name.  Default: not reported.

    Yields
    ------
    None
        The block runs once on every rank.

    Raises
    ------
    BaseException
        What the block raised on the lowest failing rank, on every rank.

    Notes
    -----
    Communication: one allgather at the end of the block (none on one rank).

    Examples
    --------
    >>> import numpy_dist as nd
    >>> from mpi4py import MPI
    >>> with nd.agreed(MPI.COMM_WORLD):
    ...     x = 1 + 1
    >>> x
    2
    """
    if comm.Get_size() == 1 and fp is None:
        yield
        return
    failures = LocalFailures(comm, fp)
    with failures.recording():
        yield
    failures.agree()


def agreed_call(comm: MPI.Intracomm, kernel: Callable[[], Any], fp: str | None = None) -> Any:
    """``kernel()`` inside :func:`agreed`: its result, or on every rank what any rank raised.

    Parameters
    ----------
    comm : mpi4py.MPI.Intracomm
        The ranks that run ``kernel``; every one of them calls this.
    kernel : callable
        Local (communication-free) work, called with no argument.
    fp : str, optional
        The operation's name: report floating-point errors (as ``np.seterr``
        asks) under it.

    Returns
    -------
    object
        What ``kernel`` returned on this rank.

    Raises
    ------
    BaseException
        What ``kernel`` raised on the lowest failing rank, on every rank.

    Notes
    -----
    Communication: one allgather after the kernel (none on one rank).

    Examples
    --------
    >>> from mpi4py import MPI
    >>> from numpy_dist.comm import agreed_call
    >>> agreed_call(MPI.COMM_WORLD, lambda: 6 * 7)
    42
    """
    if comm.Get_size() == 1 and fp is None:
        return kernel()
    failures = LocalFailures(comm, fp)  # (one rank too: its warnings name the user's line, as NumPy's do)
    result = failures.run(kernel)
    failures.agree()
    return result


def cast_may_err(source: np.dtype, target: np.dtype) -> bool:
    """Whether a cast may raise floating-point errors: a NaN or a float too large for an integer, a float
    overflowing a narrower one (NumPy's "invalid value encountered in cast").

    A cast of distributed elements sees them only on the ranks that hold the
    culprits: run it under :func:`agreed_call` with ``fp="cast"``.

    Examples
    --------
    >>> import numpy as np
    >>> from numpy_dist.comm import cast_may_err
    >>> cast_may_err(np.dtype(np.float64), np.dtype(np.int32)), cast_may_err(np.dtype(np.int32), np.dtype(float))
    (True, False)
    """
    return source.kind in "fc" and not np.can_cast(source, target, "safe")


_COMPLEX_CAST = "Casting complex values to real discards the imaginary part"


def warn_complex_cast(source: Any, target: np.dtype) -> bool:
    """NumPy's ComplexWarning for a cast of array ``source`` into ``target``, issued now at the user's line.

    NumPy warns when a complex array is cast to a real or integer dtype (not
    to bool), whatever the array's size, once per call.  Issued here, at the
    call, every rank warns alike, a deferred cast warns when it is written
    (not when it is computed), and the warning names the caller's line.  Returns
    whether it warned: the local casts then run under :func:`quiet_complex_cast`.
    A warnings filter set to "error" raises the ComplexWarning here, as NumPy does.

    Examples
    --------
    >>> import numpy as np, warnings
    >>> from numpy_dist.comm import warn_complex_cast
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     z = np.ones(3, complex)
    ...     warn_complex_cast(z, np.dtype(float)), warn_complex_cast(z, np.dtype(bool))
    (True, False)
    >>> [w.category.__name__ for w in seen]
    ['ComplexWarning']
    """
    dtype = getattr(source, "dtype", None)
    if dtype is None or dtype.kind != "c" or np.dtype(target).kind not in "iuf":
        return False
    warn_at(user_site(), _COMPLEX_CAST, np.exceptions.ComplexWarning)
    return True


class quiet_complex_cast(warnings.catch_warnings):
    """Silence NumPy's own ComplexWarning of local casts (:func:`warn_complex_cast` issued the call's)."""

    def __enter__(self) -> Any:
        entered = super().__enter__()
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        return entered


def replicated_call(kernel: Callable[[], Any], fp: str | None = None) -> Any:
    """``kernel()`` on data every rank holds alike (gathered partials): as :func:`agreed_call`, without talking.

    The same inputs give the same outcome on every rank (value, exception and floating-point flags), so there is
    nothing to agree on.

    Examples
    --------
    >>> from numpy_dist.comm import replicated_call
    >>> replicated_call(lambda: 6 * 7, fp="demo")
    42
    """
    return agreed_call(MPI.COMM_SELF, kernel, fp)


_ABORT_GRACE_SECONDS = 1.0  # see abort()


def abort(message: str, code: int = 1) -> None:
    """Print ``message`` to stderr and abort the whole MPI job."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
    # The launcher forwards a rank's output asynchronously and stops once the abort
    # reaches it: a moment's grace lets what was printed (a traceback) arrive whole.
    time.sleep(_ABORT_GRACE_SECONDS)
    MPI.COMM_WORLD.Abort(code)


# --------------------------------------------------------------------------
# Uncaught exceptions: end the whole job instead of leaving the other ranks waiting
# --------------------------------------------------------------------------

ABORT_ENV = "NUMPY_DIST_ABORT_ON_ERROR"  # read by _config
_previous_excepthook = None


def _abort_on_uncaught(etype: type, value: BaseException, tb: Any) -> None:
    """``sys.excepthook``: print this rank's traceback, then abort ``COMM_WORLD``.

    Without it the other ranks wait forever in their next collective for the
    rank that died (``python -m mpi4py prog.py`` does the same for its users).
    """
    (_previous_excepthook or sys.__excepthook__)(etype, value, tb)
    world = MPI.COMM_WORLD
    abort(f"numpy_dist: uncaught {etype.__name__} on rank {world.Get_rank()} of {world.Get_size()}: "
          f"aborting the MPI job ({ABORT_ENV}=0 turns this off)")


def install_excepthook() -> bool:
    """Abort the MPI job on an uncaught exception when more than one rank runs.

    On by default; ``NUMPY_DIST_ABORT_ON_ERROR=0`` leaves ``sys.excepthook``
    alone.  Called when numpy_dist is imported; returns whether it installed
    the hook (local, no communication).
    """
    global _previous_excepthook
    if not _config.ABORT_ON_ERROR:
        return False
    if MPI.COMM_WORLD.Get_size() == 1 or sys.excepthook is _abort_on_uncaught:
        return False
    _previous_excepthook = sys.excepthook
    sys.excepthook = _abort_on_uncaught
    return True


def any_rank(comm: MPI.Intracomm, flag: bool) -> bool:
    """True on every rank when ``flag`` is true on any rank (one tiny control allreduce).

    A boolean vote (e.g. "does any rank need the slow path?"), not a failure:
    failures go through :func:`agreed`.
    """
    return bool(allreduce_flags(comm, 1 if flag else 0))


def alltoall_counts(comm: MPI.Intracomm, counts: np.ndarray) -> np.ndarray:
    """Exchange per-rank element counts (``Alltoall`` of one int64 each; control traffic)."""
    if comm.Get_size() == 1:
        return np.asarray(counts, dtype=np.int64).copy()
    send = np.ascontiguousarray(counts, dtype=np.int64)
    recv = np.empty_like(send)
    with watch("Alltoall"):
        comm.Alltoall(send, recv)
    count_traffic(8 * comm.Get_size(), control=True)
    return recv


#: MPI classes, for annotations in modules that do not import mpi4py.
Datatype = MPI.Datatype
Intracomm = MPI.Intracomm


def allreduce_array(comm: MPI.Intracomm, array: np.ndarray, op: MPI.Op | str = MPI.SUM) -> np.ndarray:
    """Elementwise Allreduce of a small array with the same shape and dtype on every rank (data traffic).

    Only for integer combines or operations whose result does not depend on
    the order (counts, histograms, max/min): MPI may combine in any order.
    """
    send = np.ascontiguousarray(array)
    if comm.Get_size() == 1:
        return send.copy()
    out = np.empty_like(send)
    with watch("Allreduce"):
        comm.Allreduce(send, out, op=_op(op))
    count_traffic(send.nbytes)
    return out


def allreduce_sum(comm: MPI.Intracomm, array: np.ndarray) -> np.ndarray:
    """Elementwise floating-point sum of an array with the same shape and dtype on every rank (data traffic).

    MPI may combine the parts in any order, so ranks can differ in the last
    bits: only for products each rank applies to its own data (the reduced
    ``V^H C`` of a distributed Householder update), never for a result that
    must be identical everywhere.

    Examples
    --------
    >>> from mpi4py import MPI
    >>> import numpy as np
    >>> float(allreduce_sum(MPI.COMM_WORLD, np.ones(1))[0]) == MPI.COMM_WORLD.Get_size()
    True
    """
    send = np.ascontiguousarray(array)
    if comm.Get_size() == 1 or send.size == 0:
        return send.copy()
    out = np.empty_like(send)
    with watch("Allreduce"):
        comm.Allreduce(send, out, op=MPI.SUM)
    count_traffic(send.nbytes)
    return out


def bcast_buffer(comm: MPI.Intracomm, buf: np.ndarray, root: int = 0) -> np.ndarray:
    """Broadcast ``buf`` in place from ``root`` (data traffic).

    Every rank passes a C-contiguous array of the same shape and dtype
    (known from global metadata, so no header travels); on non-root ranks
    its contents are overwritten.  Returns ``buf``.

    Examples
    --------
    >>> from mpi4py import MPI
    >>> import numpy as np
    >>> bcast_buffer(MPI.COMM_WORLD, np.zeros(3)).shape
    (3,)
    """
    size = comm.Get_size()
    if size == 1 or buf.size == 0:
        return buf
    if not buf.flags.c_contiguous:
        raise ValueError("bcast_buffer needs a C-contiguous buffer")
    with watch("Bcast"):
        comm.Bcast(buf.reshape(-1).view(np.uint8), root=root)
    count_traffic(buf.nbytes * (size - 1) if comm.Get_rank() == root else 0)
    return buf


def pass_buffer(comm: MPI.Intracomm, buf: np.ndarray, source: int, dest: int) -> np.ndarray:
    """Rank ``source`` sends ``buf`` to rank ``dest``, which receives into its ``buf`` in place (data traffic).

    Both know the shape and dtype from global metadata; other ranks return
    ``buf`` untouched (a stream of blocks to one writer: memory one block).

    Examples
    --------
    >>> from mpi4py import MPI
    >>> import numpy as np
    >>> pass_buffer(MPI.COMM_WORLD, np.zeros(2), 0, 0).shape
    (2,)
    """
    rank = comm.Get_rank()
    if source == dest or buf.nbytes == 0 or rank not in (source, dest):
        return buf
    data = np.ascontiguousarray(buf).reshape(-1).view(np.uint8)
    if rank == source:
        with watch("Send"):
            comm.Send([data, MPI.BYTE], dest=dest, tag=_PASS_TAG)
        count_traffic(buf.nbytes)
        return buf
    with watch("Recv"):
        comm.Recv([data, MPI.BYTE], source=source, tag=_PASS_TAG)
    return buf


def allgather_fixed(comm: MPI.Intracomm, local: np.ndarray) -> np.ndarray:
    """Every rank's ``local`` stacked in rank order: shape ``(P,) + local.shape`` (data traffic).

    One ``Allgather``: every rank passes an array of the same shape and dtype
    (known from global metadata, so no header travels).  Structured dtypes
    work, which lets a caller pack a value, an index and a row into one
    record (the pivot search of a distributed LU).

    Examples
    --------
    >>> from mpi4py import MPI
    >>> import numpy as np
    >>> allgather_fixed(MPI.COMM_WORLD, np.zeros(2)).shape[1:]
    (2,)
    """
    send = np.asarray(local)
    if not send.flags.c_contiguous:  # (np.ascontiguousarray would turn a 0-d record into 1-d)
        send = send.copy(order="C")
    size = comm.Get_size()
    out = np.empty((size,) + send.shape, dtype=send.dtype)
    if size == 1:
        out[0] = send
        return out
    if send.nbytes:
        with watch("Allgather"):
            comm.Allgather(send.reshape(-1).view(np.uint8), out.reshape(-1).view(np.uint8))
    count_traffic(send.nbytes * (size - 1))
    return out


def allreduce_with(comm: MPI.Intracomm, array: np.ndarray, combine: Callable[[np.ndarray, np.ndarray], Any]
                   ) -> np.ndarray:
    """Elementwise Allreduce of an array (same shape and dtype everywhere) by a NumPy function (data traffic).

    ``combine(x, y)`` must be commutative and associative (``np.add``,
    ``np.maximum`` ...); it runs on element runs of ``array``'s dtype (any
    fixed-size dtype: bool, float16, complex ...).  The result is the same on
    every rank.
    """
    send = np.ascontiguousarray(array)
    if comm.Get_size() == 1 or send.size == 0:
        return send.copy()
    dtype = send.dtype

    def op(inbuf: Any, inoutbuf: Any, _datatype: Any) -> None:
        x = np.frombuffer(inbuf, dtype=dtype)
        y = np.frombuffer(inoutbuf, dtype=dtype)
        y[...] = combine(x, y)

    element = MPI.BYTE.Create_contiguous(dtype.itemsize).Commit()
    mpi_op = MPI.Op.Create(op, commute=True)
    out = np.empty_like(send)
    try:
        with watch("Allreduce"):
            comm.Allreduce([send.reshape(-1).view(np.uint8), send.size, element],
                           [out.reshape(-1).view(np.uint8), out.size, element], op=mpi_op)
    finally:
        mpi_op.Free()
        element.Free()
    count_traffic(send.nbytes)
    return out
