"""Deferred, fused elementwise evaluation (``NUMPY_DIST_LAZY=1``).

An aligned elementwise ufunc call made by user code (operators included)
returns a DistArray whose value is a pending :class:`Node`: the ufunc and its
operands (other pending nodes, local blocks, scalars).  Nothing is computed
until the value is needed; then the whole expression runs in cache-sized
chunks, NumPy's own loops writing into small reused buffers, and each output
that somebody holds is written once.  Every element goes through the same
loop with the same operand values and dtypes as the eager call, so results
are bit for bit the eager ones.

Collective safety.  Every rank creates the same nodes in the same order (a
node is made by a collective operation, from global metadata only), and
they are kept per communicator until a *collective flush*: at the start of
any other operation (:func:`flush`, called by the array's protocol entries),
or when :data:`LIMIT` nodes are pending.  The flush evaluates what is still
pending and agrees, in one allreduce of flag words, on the floating-point
errors and exceptions every node saw: one message per flush, not one per
ufunc.  Evaluation itself never communicates, so it may also run on one rank
alone (:func:`evaluate`, when a block is read through ``_local``): what it
saw is kept on the node and agreed at the next flush.

Aliasing.  A pending node reads its operands' blocks when it is evaluated.
Writes by the library happen inside operations, which flush first.  Writes
by user code through a block it was handed (``d.local``, ``from_local``, a
NumPy array ``asarray`` wrapped without copying) cannot be seen, so such
blocks are *exposed* (:func:`expose`) and a node reading one is evaluated at
once.  Library code (``depth > 0``) never defers.

Not deferred (the eager path runs instead): calls with options (``out=``,
``where=``, ``dtype=`` ...), non-numeric dtypes, operands of other layouts,
integer powers (NumPy raises for negative exponents), Python scalars outside
the loop type's range, and any call under ``np.errstate`` with ``raise``,
``call`` or ``log`` (the error must be raised at the operation).
"""

from __future__ import annotations

import contextlib
import math
import sys
import warnings
import weakref
from typing import Any, Callable

import numpy as np

from . import _config, _exposure, checks
from . import comm as _comm
from ._exposure import is_exposed as _is_exposed
from ._flat_rows import CONSTANT as _CONSTANT, LEAF, PIECES, VALUE as _VALUE, FlatRows, last_reads

__all__ = ["ENABLED", "LIMIT", "CHUNK_ELEMENTS", "Node", "Kernel", "WHERE", "cast_kernel", "register_array_type",
           "defer", "evaluate", "flush", "flush_local", "operation", "pending_count", "pending_nodes",
           "set_enabled", "set_warning_baseline", "Reporting", "Pieces", "Region", "SCALARS",
           "errstate_settings", "loop_types", "scalar_fits", "register_shift_handler", "array_type", "walk_order",
           "walk_plan", "chunk_spans", "run_chunks", "settle_nodes", "capture_on", "capture_off", "evaluate_quietly",
           "LEAF", "PIECES"]

ENABLED: bool = _config.LAZY
LIMIT = 32  # pending nodes per communicator before a collective flush (an expression's size limit)
REUSE_BYTES = 256 * 1024  # a smaller block is cheap to allocate (NumPy's elision bound)
CHUNK_ELEMENTS = 16384  # elements per chunk: measured best here (8192-32768: within 5%); buffers stay in L2

depth = 0  # > 0 while a library operation runs: its own ufunc calls are eager
_array_type: type = type(None)  # numpy_dist.distarray.DistArray, registered by that module
_pending: dict[int, tuple[Any, list]] = {}  # id(comm) -> (comm, nodes in creation order)
_exposed, _lent = _exposure.EXPOSED, _exposure.LENT  # (tested before each call's exposure walk)
_held: set[int] = set()  # ids of the communicators whose pending work an operation consumes (see operation)
_EXC_BIT = 16
SCALARS = (int, float, complex)


def register_array_type(cls: type) -> None:
    """Called once by ``numpy_dist.distarray``: the type whose operands may be deferred."""
    global _array_type
    _array_type = cls


def array_type() -> type:
    """The DistArray class (registered by its module, which sits above this one)."""
    return _array_type


def set_enabled(flag: bool) -> bool:
    """Turn deferral on or off (returns the previous state); pending work is not touched."""
    global ENABLED
    previous, ENABLED = ENABLED, bool(flag)
    return previous


class Node:
    """One deferred ufunc call over one layout's local blocks."""

    __slots__ = ("ufunc", "args", "dtype", "shape", "order", "settings", "site", "holder", "block", "flags",
                 "computed", "exc", "queue", "origin", "copies", "moved", "__weakref__")

    def __init__(self, ufunc: np.ufunc, args: list, dtype: np.dtype, shape: tuple, order: str,
                 settings: Reporting, site: tuple | None) -> None:
        self.ufunc, self.args, self.dtype, self.shape, self.order = ufunc, args, dtype, shape, order
        self.settings = settings  # how the call's FP errors are reported
        self.site = site  # the user's line that made the call (a warning names it)
        self.holder: Any = None  # weakref to the DistArray whose value this is
        self.block: np.ndarray | None = None  # the value, once materialised
        self.flags = 0  # FP error bits this rank saw evaluating it
        self.computed = False
        self.exc: BaseException | None = None
        self.queue: list | None = None  # the communicator's pending list, while this node is in it
        # A shifted operand computes regions of a pending value in another layout (numpy_dist._shift):
        # each such copy names the queued node it computes part of, and the node lists its copies.
        self.origin: weakref.ref | None = None
        self.copies: list[Node] | None = None
        self.moved: tuple | None = None  # (layout, Pieces): its value moved there, reused while it is pending


class _Done:
    """What a flush still needs of a computed node: its name, settings and what it saw (not its block)."""

    __slots__ = ("ufunc", "settings", "site", "flags", "exc", "computed", "holder", "copies")

    def __init__(self, node: Node) -> None:
        self.ufunc, self.settings, self.site, self.flags = node.ufunc, node.settings, node.site, node.flags
        self.exc, self.computed, self.holder, self.copies = None, True, node.holder, node.copies


# --------------------------------------------------------------------------
# Deciding to defer (global metadata only: every rank decides alike)
# --------------------------------------------------------------------------

_DEFAULT_ERR = {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}
# Modes whose effect must happen at the call: an exception, a callback, a line printed among the program's output.
_EAGER_MODES = frozenset({"raise", "call", "log", "print"})
_err_cache: list = [None, None]  # [token of the errstate and warnings state, its Reporting (False: eager)]
_errstate_var = _comm._errstate_var  # NumPy's errstate context variable (None: read np.geterr() each time)


class Reporting:
    """How a deferred call's floating-point errors are reported: the call's ``np.errstate`` (``err``, None
    for NumPy's defaults) and the warnings filters and delivery in force at the call."""

    __slots__ = ("err", "filters", "delivery")

    def __init__(self, err: dict | None, filters: tuple, delivery: tuple) -> None:
        self.err, self.filters, self.delivery = err, filters, delivery


def _delivery() -> tuple:
    return warnings._showwarnmsg_impl, warnings.showwarning  # type: ignore[attr-defined]


_baseline: list = [_delivery()]  # where warnings go when nobody is recording them


def set_warning_baseline() -> None:
    """Take the warnings delivery now in force as the program's own (calls made under it may defer).

    A call made while warnings go anywhere else (``catch_warnings(record=True)``,
    ``pytest.warns``, a replaced ``showwarning``) runs eagerly, so its warnings
    are delivered inside the block that waits for them.  numpy_dist's pytest
    plugin calls this as each test starts: pytest records every test's warnings.
    """
    _baseline[0] = _delivery()
    _err_cache[:] = [None, None]


def errstate_settings() -> Reporting | bool:
    """How the call's FP errors are reported, or False when the call must run eagerly (an error must be
    raised at the operation, or a block is recording the warnings it makes).

    Both ``np.errstate`` and the warnings state of the call count: a RuntimeWarning made an error
    (``filterwarnings("error")``, pytest's ``-W error``) runs eagerly; a warning of a value computed
    later is filtered and delivered as it would have been at the call, naming the call's line.
    """
    filters = warnings.filters
    delivery = _delivery()
    # (ids of freed lists are reused: the first filter, where simplefilter() inserts, is compared by value)
    token = (_errstate_var.get() if _errstate_var is not None else object(), id(filters), len(filters),
             filters[0] if filters else None, delivery)
    if token == _err_cache[0]:
        return _err_cache[1]
    err = np.geterr()
    action = _runtime_warning_action(filters)
    settings: Reporting | bool
    if delivery != _baseline[0] or _EAGER_MODES.intersection(err.values()) or \
            action == "error" and "warn" in err.values():
        settings = False
    else:
        settings = Reporting(None if err == _DEFAULT_ERR else err, tuple(filters), delivery)
    _err_cache[:] = [token, settings]
    return settings


def _runtime_warning_action(filters: list) -> str:
    """What the first general filter (no message, module or line) does with a RuntimeWarning."""
    for action, message, category, module, lineno in filters:
        if (message is None or not getattr(message, "pattern", message)) and module is None and not lineno \
                and issubclass(RuntimeWarning, category):
            return action
    return "default"


_loops: dict[tuple, tuple | None] = {}


def loop_types(ufunc: np.ufunc, types: tuple) -> tuple | None:
    """The dtypes of NumPy's loop for these operand types (NEP 50), or None when the call must run eagerly."""
    key = (ufunc, *types)
    loop = _loops.get(key, ())
    if loop == ():
        try:
            loop = ufunc.resolve_dtypes(types + (None,))
        except Exception:  # noqa: BLE001 - NumPy's own error is the eager call's to raise
            loop = None
        if loop is not None and ufunc is np.power and loop[0].kind in "iu":
            loop = None  # integer powers raise for negative exponents: at the call, as NumPy does
        if loop is not None and loop[-1].kind not in "biufc":
            loop = None
        _loops[key] = loop
    return loop


class Kernel:
    """An elementwise operation that is not a ufunc (a cast, ``np.where``), shaped like one for deferral.

    ``resolve(types)`` gives the operand and result dtypes as ``ufunc.resolve_dtypes``
    does (Python scalar types stand for weak scalars); ``run(*operands, out=None)``
    computes exactly what the eager call computes, into ``out`` when given.
    """

    nout = 1
    signature = None

    def __init__(self, name: str, nin: int, resolve: Callable[[tuple], tuple],
                 run: Callable[..., Any]) -> None:
        self.__name__, self.nin, self._resolve, self._run = name, nin, resolve, run

    def resolve_dtypes(self, types: tuple) -> tuple:
        return self._resolve(types[:self.nin])

    def __call__(self, *operands: Any, out: np.ndarray | None = None) -> Any:
        return self._run(*operands, out=out)


_casts: dict[np.dtype, Kernel] = {}


def cast_kernel(dtype: np.dtype) -> Kernel:
    """``x.astype(dtype)`` (unsafe casting, NumPy's cast loops; errors are reported "in cast", as NumPy does)."""
    kernel = _casts.get(dtype)
    if kernel is None:
        def run(x: Any, out: np.ndarray | None = None) -> Any:
            x = np.asarray(x)
            # (a complex value to a real dtype: astype issued NumPy's ComplexWarning at the call)
            quiet = x.dtype.kind == "c" and dtype.kind != "c"
            with _comm.quiet_complex_cast() if quiet else contextlib.nullcontext():
                if out is None:
                    return x.astype(dtype)
                np.copyto(out, x, casting="unsafe")
                return out

        kernel = _casts[dtype] = Kernel("cast", 1, lambda types: (types[0], dtype), run)
    return kernel


def _where_types(types: tuple) -> tuple:
    # Python scalar types (not dtypes: ``np.dtype('f8') == float``) stand for weak scalars (NEP 50).
    values = [t(0) if isinstance(t, type) else t for t in types[1:]]
    result = np.result_type(*values)
    return (np.dtype(bool) if isinstance(types[0], type) else types[0], result, result, result)


def _where_run(c: Any, x: Any, y: Any, out: np.ndarray | None = None) -> Any:
    if out is None:
        return np.where(c, x, y)
    out[...] = np.where(c, x, y)
    return out


WHERE = Kernel("where", 3, _where_types, _where_run)


def scalar_fits(value: Any, dt: np.dtype) -> bool:
    """Whether NumPy converts the Python scalar to the loop's type without an error or warning."""
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return type(value) is int and info.min <= value <= info.max
    if dt.kind == "b":
        return type(value) is bool
    if dt.itemsize >= 8 and dt.kind == "f" or dt.itemsize >= 16:
        return True
    limit = float(np.finfo(dt).max)
    parts = (value.real, value.imag) if type(value) is complex else (value,)
    return all(abs(p) <= limit or p != p for p in parts)


def _order_of(block: np.ndarray) -> str:
    """How a chunked walk visits the block: flat in C or F order (NumPy's 'K' order), else by rows.

    Any block can be walked by rows (into a C-ordered result), so no block makes a
    call eager: whether a block is contiguous is local (a one-row block is both C
    and F), and a decision to defer must be the same on every rank.
    """
    flags = block.flags
    if flags.c_contiguous:
        return "C"
    if flags.f_contiguous:
        return "F"
    return "R"


class Pieces:
    """A shifted operand's share of another layout's block, left in rectangular parts.

    ``parts`` lists ``(key, values)``: ``values`` fills ``block[key]`` (a tuple of
    slices) of the block this operand would have in the target layout.  The part
    this rank held already is a view of its own block (a :class:`Region` when the
    operand is pending); the others are the halo received from its neighbours.
    A chunked walk reads rows from the parts (a view when one part covers the
    rows), so the operand is never copied whole.
    """

    __slots__ = ("parts", "shape", "dtype", "dist")

    def __init__(self, parts: list, shape: tuple, dtype: np.dtype, dist: Any) -> None:
        self.parts = [(tuple(slice(*k.indices(n)[:2]) for k, n in zip(key, shape)), values)
                      for key, values in parts]
        self.shape, self.dtype, self.dist = shape, dtype, dist

    def rows(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` of the operand's block (a view of one part when it covers them)."""
        whole = tuple(slice(0, n) for n in self.shape[1:])
        for key, values in self.parts:
            if key[0].start <= start and stop <= key[0].stop and key[1:] == whole:
                return _part_rows(values, start - key[0].start, stop - key[0].start)
        out = np.empty((stop - start,) + self.shape[1:], self.dtype)
        for key, values in self.parts:
            lo, hi = max(key[0].start, start), min(key[0].stop, stop)
            if lo < hi:
                out[(slice(lo - start, hi - start),) + key[1:]] = _part_rows(values, lo - key[0].start,
                                                                             hi - key[0].start)
        return out

    def whole(self) -> np.ndarray:
        """The operand's block, assembled."""
        return self.rows(0, self.shape[0]) if self.shape else np.asarray(self.parts[0][1])

    def sliced(self, key: tuple) -> Pieces:
        """The same operand restricted to ``block[key]`` (slices of step 1), parts cut to fit."""
        shape = tuple(k.stop - k.start for k in key)
        parts = []
        for part, values in self.parts:
            cut = tuple(slice(max(p.start, k.start), min(p.stop, k.stop)) for p, k in zip(part, key))
            if all(c.start < c.stop for c in cut):
                inner = tuple(slice(c.start - p.start, c.stop - p.start) for c, p in zip(cut, part))
                new_key = tuple(slice(c.start - k.start, c.stop - k.start) for c, k in zip(cut, key))
                parts.append((new_key, _shift_handler[1](values.nodes[-1], inner) if type(values) is Region
                               else values[inner]))
        return Pieces(parts, shape, self.dtype, self.dist)


def _part_rows(values: Any, start: int, stop: int) -> np.ndarray:
    return values[start:stop] if type(values) is not Region else values.rows(start, stop)


class Region:
    """A pending value's region, computed by rows when a walk reads them (the kept part of a shifted operand).

    ``nodes`` are copies of the value's expression restricted to the region,
    operands first (:func:`numpy_dist._shift.region_copies`); each names the
    queued node whose value it computes part of (its ``origin``), which takes
    the FP errors it sees and need not be computed itself once nobody holds it.
    """

    __slots__ = ("nodes",)

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes

    def rows(self, start: int, stop: int) -> np.ndarray:
        values: dict[int, np.ndarray] = {}
        for node in self.nodes:
            ins = [values[id(a)] if type(a) is Node else a[start:stop] if type(a) is np.ndarray else
                   a.rows(start, stop) if type(a) is Pieces else a for a in node.args]
            _current[0] = node  # (after the operands: a nested region sets it too)
            out = node.ufunc(*ins)
            values[id(node)] = out if type(out) is np.ndarray else np.asarray(out)
        return values[id(self.nodes[-1])]


def _mark_regions(nodes: list[Node]) -> None:
    """The copies in regions that a finished walk over ``nodes`` read are computed (their origins may skip)."""
    stack = list(nodes)
    while stack:
        for a in stack.pop().args:
            if type(a) is Pieces:
                for _, values in a.parts:
                    if type(values) is Region:
                        for copy in values.nodes:
                            if not copy.computed:
                                copy.computed = True
                                stack.append(copy)


# numpy_dist._shift registers (defer_shifted, region): this layer knows nothing of layouts' shifts.
_shift_handler: list = [lambda ufunc, inputs: None, None]


def register_shift_handler(defer_shifted: Callable[[np.ufunc, tuple], Any],
                           region: Callable[[Node, tuple], Region]) -> None:
    """Install the deferral of operands laid out alike up to a shift (see :mod:`numpy_dist._shift`)."""
    _shift_handler[:] = [defer_shifted, region]


def defer(ufunc: np.ufunc, inputs: tuple, temporaries: tuple = ()) -> Any:
    """A DistArray whose value is ``ufunc(*inputs)``, pending, or None when the call must run eagerly.

    ``temporaries``: inputs only the caller's evaluation stack refers to (an
    operator's count, :mod:`numpy_dist._elision`).  When the call must be
    computed at once, one's block may take the value, as NumPy's elision does.
    """
    if depth or ufunc.nout != 1 or len(inputs) != ufunc.nin or ufunc.signature is not None or checks.get_checks():
        return None
    dist = None
    order = None
    types = []
    args: list = []
    exposed = False
    array_type = _array_type
    for x in inputs:
        tx = type(x)
        if tx is array_type:
            d = x._dist
            if dist is None:
                dist = d
            elif d is not dist and d != dist:
                return _shift_handler[0](ufunc, inputs)
            node = x._expr
            if node is not None and node.block is None:
                types.append(node.dtype)
                args.append(node)
                o = node.order
            else:  # (a value computed by .local on this rank alone is a block: user code may write it)
                block = x._block
                dt = block.dtype
                if dt.kind not in "biufc":
                    return None
                types.append(dt)
                args.append(block)
                o = _order_of(block)
                if (_exposed or _lent) and not exposed:
                    exposed = _is_exposed(block)
            if order is None or order == o:
                order = o
            else:
                order = "R"  # mixed orders: one walk by rows
        elif tx is Pieces:
            if dist is None:
                dist = x.dist
            elif x.dist is not dist and x.dist != dist:
                return None
            types.append(x.dtype)
            args.append(x)
            order = "R"
            if (_exposed or _lent) and not exposed:  # (a region's operands were checked when it was made)
                exposed = any(type(values) is np.ndarray and _is_exposed(values) for _, values in x.parts)
        elif tx in SCALARS:
            types.append(tx)
            args.append(x)
        elif tx is bool or isinstance(x, np.generic) and x.dtype.kind in "biufc":
            types.append(np.dtype(bool) if tx is bool else x.dtype)
            args.append(x)
        else:
            return None
    if dist is None or order is None:
        return None
    settings = errstate_settings()
    if settings is False:
        return None
    loop = loop_types(ufunc, tuple(types))
    if loop is None:
        return None
    for i, x in enumerate(args):
        if type(x) in SCALARS and not scalar_fits(x, loop[i]):
            return None
    node = Node(ufunc, args, loop[-1], dist.local_shape, order or "C", settings, _comm.user_site())
    result = _array_type._from_node(node, dist)
    node.holder = weakref.ref(result)
    comm = dist.comm
    entry = _pending.get(id(comm))
    if entry is None:
        entry = _pending[id(comm)] = (comm, [])
    entry[1].append(node)
    node.queue = entry[1]
    if exposed:  # user code may write an operand's block before the value is needed: compute it now
        block = None  # (this frame's reference is not the temporary's)
        _evaluate_at_call(node, temporaries)
    if len(entry[1]) >= LIMIT:
        flush(comm)  # every rank holds as many nodes: all take this turn together
    return result


def operation(comm: Any, body: Callable[[], Any], settle: bool = True, spare: Node | None = None) -> Any:
    """Run one public collective operation: ``comm``'s deferred work settled first, no deferral inside.

    ``comm`` None (no operand tells the communicator) or ``settle=False`` (a read
    of settled arrays, which writes nothing a pending expression reads) skip the flush.
    ``spare``: a pending operand the operation consumes in its own pass (a fused
    reduction, an assignment; the caller decides on global facts); the pending
    work is settled when the operation ends instead, and operations inside it
    (``np.shape`` of an operand ...) leave it pending too.
    """
    global depth
    holds = spare is not None and comm is not None and id(comm) not in _held
    if settle and comm is not None and _pending and id(comm) not in _held:
        flush(comm, spare)
    if holds:
        _held.add(id(comm))
    depth += 1
    try:
        result = body()
    finally:
        depth -= 1
        if holds:
            _held.discard(id(comm))
    if holds:
        flush(comm)
    return result


def pending_count(comm: Any) -> int:
    """Nodes created on ``comm`` since its last collective flush (the same number on every rank)."""
    entry = _pending.get(id(comm))
    return 0 if entry is None else len(entry[1])


def pending_nodes(comm: Any) -> list:
    """What a flush of ``comm`` will agree on, in creation order (a computed node's entry is its summary)."""
    entry = _pending.get(id(comm))
    return [] if entry is None else list(entry[1])


# --------------------------------------------------------------------------
# Evaluation (local: never communicates)
# --------------------------------------------------------------------------


def walk_order(root: Node) -> list[Node]:
    """Nodes to compute for ``root``, operands first (each once)."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in seen:
            continue
        if expanded:
            seen.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        for a in reversed(node.args):
            if type(a) is Node and a.block is None and id(a) not in seen:
                stack.append((a, False))
    return order


# Floating-point errors are attributed to the node whose ufunc call raised them: the capture
# records into ``_current[0]``, set to each node before its call.
_current = _comm._fp_sink


def capture_on(node: Node | None = None) -> Any:
    return _comm.capture_fp(node)


def capture_off(token: Any) -> None:
    _comm.release_fp(token)  # (and the sink is no longer the last node, whose block it would keep alive)


def evaluate(root: Node, into: np.ndarray | None = None, drop: list[Node] | tuple = ()) -> None:
    """Compute ``root`` (and every operand somebody holds) into blocks; exceptions are recorded, then raised.

    ``into``: the block for ``root``'s value when it is one call on computed
    operands; ``drop``: operands not kept although their arrays are alive (they die with the caller).
    """
    if root.block is not None:
        return
    fused = False
    for a in root.args:
        if type(a) is Node and a.block is None or type(a) is Pieces:
            fused = True  # (a shifted operand is read by rows: never assembled whole for one call)
            break
    if not fused:  # one call on computed operands: exactly the eager call (chunks would save nothing)
        _evaluate_one(root, into)
        return
    nodes = walk_order(root)
    keep = [n is root or (n.holder is not None and n.holder() is not None and n not in drop) for n in nodes]
    token = capture_on()
    try:
        if math.prod(root.shape) <= CHUNK_ELEMENTS:
            blocks = _run_whole(nodes, keep)
        else:
            blocks = run_chunks(nodes, keep, root.order, root.shape)
    except Exception as exc:  # noqa: BLE001 - agreed at the next flush, raised here for this rank
        root.exc = exc
        raise
    finally:
        capture_off(token)
    settle_nodes(nodes, blocks)


def _evaluate_one(node: Node, into: np.ndarray | None = None) -> None:
    ins = [a.block if type(a) is Node else a for a in node.args]
    token = capture_on(node)
    try:
        out = node.ufunc(*ins) if into is None else node.ufunc(*ins, out=into)
    except Exception as exc:  # noqa: BLE001 - agreed at the next flush, raised here for this rank
        node.exc = exc
        raise
    finally:
        capture_off(token)
    node.computed = True
    node.block, node.args = (out if type(out) is np.ndarray else np.asarray(out)), []
    holder = node.holder() if node.holder is not None else None
    if holder is not None:
        holder._block = node.block  # (its _expr goes at the collective flush: see _detach)
    _release(node)


def settle_nodes(nodes: list[Node], blocks: list) -> None:
    """Mark ``nodes`` computed; those given a block hand it to their DistArray."""
    _mark_regions(nodes)
    for node, block in zip(nodes, blocks):
        node.computed = True
        if block is not None:
            node.block, node.args = block, []
            holder = node.holder() if node.holder is not None else None
            if holder is not None:
                holder._block = block  # (its _expr goes at the collective flush: see _detach)
        _release(node)


def _release(node: Node) -> None:
    """Let the pending list keep only what a flush needs of a computed node (not its block or operands).

    Nodes of other expressions that read it keep it (and its block) alive themselves.
    """
    queue = node.queue
    if queue is None:
        return
    node.queue = None
    for i in range(len(queue) - 1, -1, -1):
        if queue[i] is node:
            queue[i] = _Done(node)
            return


def _run_whole(nodes: list[Node], keep: list[bool]) -> list:
    """Small blocks: each ufunc on whole operands, exactly the eager calls."""
    values: dict[int, np.ndarray] = {}
    for node in nodes:
        ins = [((values[id(a)] if id(a) in values else a.block) if type(a) is Node else
                a.whole() if type(a) is Pieces else a) for a in node.args]
        _current[0] = node  # (after the operands: reading a region records into its own copies)
        out = node.ufunc(*ins)
        values[id(node)] = out if type(out) is np.ndarray else np.asarray(out)
    return [values[id(n)] if k else None for n, k in zip(nodes, keep)]


def chunk_spans(mode: str, shape: tuple, spans: list | None = None) -> tuple[list, int, int]:
    """A walk's chunks: ``(spans, step, row)``, rows of ``row`` elements (mode R) or flat ranges (C, F)."""
    total = math.prod(shape)
    if mode == "R":
        row = total // shape[0]
        step = max(1, CHUNK_ELEMENTS // max(row, 1))
        return [(i, min(i + step, shape[0])) for i in range(0, shape[0], step)], step, row
    step = CHUNK_ELEMENTS if spans is None else max(stop - start for start, stop in spans)
    return spans or [(i, min(i + step, total)) for i in range(0, total, step)], step, 1


def run_chunks(nodes: list[Node], keep: list[bool], mode: str, shape: tuple, spans: list | None = None,
               consume: Callable[[int, np.ndarray], None] | None = None, plan: list | None = None,
               into: Callable[[int, tuple], np.ndarray] | None = None) -> list:
    """Large blocks: the expression chunk by chunk, operands in small reused buffers, outputs written once.

    ``spans`` (flat ranges) replaces the regular chunks; ``consume(i, values)``
    receives the last node's values for span ``i`` (a fused reduction, an
    assignment), which ``into(i, shape)`` gives the buffer for when set.  Where
    each operand comes from is worked out once, before the walk (``plan``,
    :func:`walk_plan`): per chunk only slices and NumPy's calls remain.
    """
    blocks = [np.empty(shape, n.dtype, order="F" if mode == "F" else "C") if k else None
              for n, k in zip(nodes, keep)]
    spans, step, row = chunk_spans(mode, shape, spans)
    outs = list(blocks) if mode == "R" else [None if b is None else b.ravel(order="K") for b in blocks]
    plan = plan or walk_plan(nodes, mode)
    last = len(nodes) - 1
    flat = FlatRows.of(plan, shape) if mode == "R" else None
    if flat is None:
        buffers = _chunk_buffers(nodes, plan, [b is None and not (into is not None and i == last)
                                               for i, b in enumerate(blocks)], step * row)
    else:
        buffers = _chunk_buffers(nodes, plan, [True] * len(nodes), step * flat.stride)
        row = flat.stride  # (a buffer's rows are as far apart as the operands' rows)
    for k, (start, stop) in enumerate(spans):
        if flat is not None and flat.misses < 2:
            result = flat.chunk(nodes, buffers, outs, start, stop)
            if result is not None:
                if into is not None:
                    given = into(k, result.shape)
                    given[...] = result
                    result = given
                if consume is not None:
                    consume(k, result)
                continue
        values: list = [None] * len(nodes)
        for i, node in enumerate(nodes):
            ins = [values[x] if kind == _VALUE else x[start:stop] if kind == LEAF else
                   x.rows(start, stop) if kind == PIECES else x for kind, x in plan[i]]
            _current[0] = node  # (after the operands: reading a region records into its own copies)
            if outs[i] is not None:
                out = outs[i][start:stop]
            elif into is not None and i == last:
                out = into(k, ((stop - start),) + shape[1:] if mode == "R" else (stop - start,))
            else:
                out = buffers[i][:(stop - start) * row]
                if mode == "R":
                    out = out.reshape((stop - start, row))[:, :shape[1]] if flat else \
                        out.reshape((stop - start,) + shape[1:])
            node.ufunc(*ins, out=out)
            values[i] = out
        if consume is not None:
            consume(k, values[-1])
    return blocks


def _chunk_buffers(nodes: list[Node], plan: list, needs: list[bool], size: int) -> list:
    """A chunk buffer for each node that ``needs`` one, shared by nodes whose values are never alive together.

    A value lives from its node's call to the last call of the walk that reads
    it; its buffer then goes to a later node of the same dtype.  The reading node
    itself may take it: NumPy computes in place when the output is exactly an
    input.  Fewer buffers keep a chunk's working set in cache (W4's walk: 7
    buffers became 2, a third less time).
    """
    free: dict[np.dtype, list] = {}
    buffers: list = [None] * len(nodes)
    for i, (node, frees) in enumerate(zip(nodes, last_reads(plan))):
        for x in frees:
            if buffers[x] is not None:
                free.setdefault(buffers[x].dtype, []).append(buffers[x])
        if needs[i]:
            pool = free.get(node.dtype)
            buffers[i] = pool.pop() if pool else np.empty(size, node.dtype)
    return buffers


def walk_plan(nodes: list[Node], mode: str) -> list[list[tuple[int, Any]]]:
    """For each node's operands, where a chunked walk reads them: a value computed earlier in the same
    chunk (its index), a leaf block in the walk's order (sliced per chunk), shifted pieces, or a constant."""
    position = {id(n): i for i, n in enumerate(nodes)}
    flat: dict[int, np.ndarray] = {}

    def leaf(block: np.ndarray) -> np.ndarray:
        if mode == "R":
            return block
        view = flat.get(id(block))
        if view is None:
            view = flat[id(block)] = block.ravel(order="K")
        return view

    plan = []
    for node in nodes:
        specs: list[tuple[int, Any]] = []
        for a in node.args:
            if type(a) is Node:
                j = position.get(id(a))
                specs.append((_VALUE, j) if j is not None else (LEAF, leaf(a.block)))
            elif type(a) is np.ndarray:
                specs.append((LEAF, leaf(a)))
            elif type(a) is Pieces:  # (only in a walk by rows)
                specs.append((PIECES, a))
            else:
                specs.append((_CONSTANT, a))
        plan.append(specs)
    return plan


# --------------------------------------------------------------------------
# Flushes
# --------------------------------------------------------------------------


def _evaluate_at_call(node: Node, temporaries: tuple) -> None:
    """Compute ``node`` at its call (it reads a block user code may write), as NumPy's eager call would.

    The ``temporaries`` (see :func:`defer`) die with the call: a pending one is
    computed in the walk but not kept; a computed one that owns its block, which
    nothing else refers to, takes the value (no fresh block: the page faults of
    new memory are a third of such a call's time).  Local: the ranks' decisions
    need not agree, as no step here communicates.
    """
    into = None
    drop = []
    for temporary in temporaries:
        if type(temporary) is not _array_type:  # (a scalar made by the expression is a temporary too)
            continue
        t = temporary._expr
        if t is not None and t.block is None:
            drop.append(t)
        elif into is None:
            # References to the block: the array's slot, its node's while attached, the node's operands,
            # ``block`` and getrefcount's own; any other (a view, a pending reader, user code) forbids reuse.
            block = temporary._block
            known = 3 + (t is not None and t.block is block) + sum(a is block for a in node.args)
            if (sys.getrefcount(block) == known and block.base is None and block.dtype == node.dtype
                    and block.shape == node.shape and block.nbytes >= REUSE_BYTES and block.flags.writeable
                    and not _is_exposed(block)):
                into = block
            block = None
    try:
        evaluate(node, into, drop)
    except Exception:  # noqa: BLE001 - recorded by evaluate
        pass


def evaluate_quietly(node: Node) -> None:
    """Evaluate, keeping an exception on the node (agreed and raised at the next flush)."""
    try:
        evaluate(node)
    except Exception:  # noqa: BLE001 - recorded by evaluate
        pass


def _evaluate_all(nodes: list[Node]) -> None:
    for node in reversed(nodes):  # the latest first: an expression is computed whole, not operand by operand
        if node.computed or node.exc is not None:
            continue
        if node.copies and any(c.computed for c in node.copies) and (node.holder is None or node.holder() is None):
            # Nobody holds the value, and the expressions that read it are computed: they read it through
            # copies in other layouts (shifted operands), whose FP errors are its own (see flush).  (A walk
            # that computes a copy computes it whole, with its halo sent: every element of the value.)
            node.computed = True
            _release(node)
            continue
        evaluate_quietly(node)


def flush_local(comm: Any) -> None:
    """Evaluate everything pending on ``comm`` on this rank alone (before user code may write a block)."""
    entry = _pending.get(id(comm))
    if entry is not None:
        _evaluate_all(entry[1])


def flush(comm: Any, spare: Node | None = None) -> None:
    """Collective: evaluate what is pending on ``comm`` and agree on what the evaluations saw.

    One allreduce of one flag word per node (none on one rank); an exception
    on any rank is raised on every rank; FP errors are reported per node, as
    the ``np.errstate`` of its call asks.  With ``spare`` (a pending operand an
    operation is about to consume in its own pass) nothing is flushed yet: which
    nodes that operand needs is local (a rank may have computed some for
    ``.local``), what is pending is not.
    """
    if spare is not None:
        return  # everything stays pending through the reduction; operation() flushes after it
    entry = _pending.pop(id(comm), None)
    if entry is None:
        return
    nodes = entry[1]
    _evaluate_all(nodes)  # (each computed node is released from the list: a block nobody holds goes at once)
    words = []
    seen = 0
    for n in nodes:
        if type(n) is Node:
            n.queue = None
        _detach(n)
        word = n.flags | (_EXC_BIT if n.exc is not None else 0)
        if n.copies:  # what copies of it saw (regions in other layouts, halos sent) is what it saw
            for copy in n.copies:
                word |= copy.flags
            n.copies = None
        words.append(word)
        seen |= word
    if comm.Get_size() > 1:
        words = _comm.allreduce_bor(comm, np.array(words, dtype=np.int64)).tolist()
        seen = 0
        for word in words:
            seen |= word
    if not seen:
        return
    if seen & _EXC_BIT:
        first = next((n.exc for n in nodes if n.exc is not None), None)
        _comm.agree(comm, first)
    for node, word in zip(nodes, words):
        if word:
            _report(word, node)


def _detach(entry: Node | _Done) -> None:
    """At a collective flush: an array whose value is computed stops pointing to its node.

    Only here, never when one rank computes a value alone (``.local``): whether
    an array is pending (``_expr``) decides collective steps, so it changes on
    every rank at once.
    """
    holder = entry.holder() if entry.holder is not None else None
    if holder is not None and holder._expr is not None and holder._expr.block is not None:
        holder._expr = None


def _report(word: int, node: Node | _Done) -> None:
    """Report what the node's call saw as the call would have (raise, call, log and print never reach here).

    Its warnings go through the filters and delivery in force at the call, named at the call's line.
    """
    settings = node.settings
    flags, name, err = word & ~_EXC_BIT, node.ufunc.__name__, settings.err or _DEFAULT_ERR
    if _delivery() == settings.delivery and tuple(warnings.filters) == settings.filters:
        _comm.report_fp(flags, name, err, node.site)
        return
    with warnings.catch_warnings():  # restores the filters and delivery on the way out
        warnings.filters[:] = settings.filters
        warnings._filters_mutated()  # type: ignore[attr-defined]
        warnings._showwarnmsg_impl, warnings.showwarning = settings.delivery  # type: ignore[attr-defined]
        _comm.report_fp(flags, name, err, node.site)


checks.install_operation(operation)
