"""Deferred ufunc calls on operands laid out alike up to a shift (stencil slices such as ``u[:-2] + u[2:]``).

The result is laid out like the first operand, as the eager call lays it out
(so ``u[1:-1] = u[1:-1] + ...`` writes without moving anything).  Every other
operand moves only its halo, one exchange each
(:func:`~numpy_dist.redistribute.redistribute_pieces`), and enters the
expression as :class:`~numpy_dist._deferred.Pieces`.

A pending operand is not computed to be moved.  Its neighbours' halo rows are
computed from its expression on those rows alone, and the part this rank keeps
becomes a :class:`~numpy_dist._deferred.Region`: copies of its expression,
restricted to that part and computed when the walk reads them.  So a stencil
written in several statements (``lap = u[:-2] + u[2:] - 2 * u[1:-1]``, then
``u[1:-1] + c * lap``) is one pass over memory, not one per moved operand.
The copies report their floating-point errors as the pending call's own, and
the pending value is computed once more only if somebody still holds it.

Every decision here reads global metadata only: which operands move, and the
exchange, are the same on every rank.  Whether a pending value was computed
already on this rank alone (``.local``) only changes where the values sent and
kept come from.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from . import _deferred
from . import redistribute as _redistribute
from ._deferred import Node, Pieces, Region

__all__ = ["defer_shifted", "region_copies", "MAX_COPY"]

#: Pending nodes a moved operand's copy may hold (its own expression and the regions inside it); a larger
#: one is computed on each rank first, as a block.  Copies of copies grow with every move, and code that
#: moves a value and an expression reading it (``y = a + y * 0.5 + y`` in a loop, nothing settled between)
#: would double them each time.
MAX_COPY = 24


def _is_scalar(x: Any) -> bool:
    return type(x) in _deferred.SCALARS or type(x) is bool or isinstance(x, np.generic) and x.dtype.kind in "biufc"


def defer_shifted(ufunc: np.ufunc, inputs: tuple) -> Any:
    """:func:`numpy_dist._deferred.defer` for operands of one shape whose block layouts differ by a shift.

    Returns the pending DistArray, or None when the call must run eagerly
    (decided before any message).
    """
    array_type = _deferred.array_type()
    target = next(x._dist for x in inputs if type(x) is array_type)
    types: list = []
    moving = []
    for i, x in enumerate(inputs):
        if type(x) is not array_type:
            if not _is_scalar(x):
                return None  # (Python and NumPy scalars as defer() takes them)
            types.append(np.dtype(bool) if type(x) is bool else (x.dtype if isinstance(x, np.generic) else type(x)))
            continue
        d = x._dist
        if d.shape != target.shape or d.comm is not target.comm or x.dtype.kind not in "biufc":
            return None
        types.append(x.dtype)
        if d is target or d == target:
            continue
        if not d.ndim or not all(
                d.is_block_aligned_axis(a) and target.is_block_aligned_axis(a) for a in range(d.ndim)):
            return None  # (block layouts: every rank's parts are rectangular slices)
        moving.append(i)
    if _deferred.errstate_settings() is False:
        return None
    loop = _deferred.loop_types(ufunc, tuple(types))
    if loop is None or any(type(x) in _deferred.SCALARS and not _deferred.scalar_fits(x, loop[i])
                           for i, x in enumerate(inputs)):
        return None
    shifted = list(inputs)
    for i in moving:
        x = inputs[i]
        node = x._expr
        if node is not None and node.moved is not None and node.moved[0] == target:
            # A pending value moves to a layout once (``t + y + y``): read twice, its expression is copied
            # once, so moving the result again does not copy it twice (nor, repeated, exponentially often).
            _, pieces, kept = node.moved
            if node.block is not None and kept is not None:  # computed here since (.local): the region
                # reads operands user code may have written since; the value is the block.  (The halo stays.)
                pieces = Pieces([(kept[1], node.block[kept[0]])] + pieces.parts[1:], pieces.shape, pieces.dtype,
                                target)
            shifted[i] = pieces
            continue
        source = x._block if node is None else _PendingSource(node)
        kept, received = _redistribute.redistribute_pieces(source, x._dist, target)
        parts = ([(kept[1], source[kept[0]] if x._expr is None else source.region(kept[0]))]
                 if kept is not None else []) + received
        shifted[i] = Pieces(parts, target.local_shape, x.dtype, target)
        if node is not None:
            node.moved = (target, shifted[i], kept)
    return _deferred.defer(ufunc, tuple(shifted))


class _PendingSource:
    """A pending value as :func:`~numpy_dist.redistribute.redistribute_pieces` reads it: ``source[key]``
    computes the values of one region (a halo to send), :meth:`region` leaves one pending."""

    def __init__(self, node: Node) -> None:
        self.node, self.dtype = node, node.dtype
        if node.block is None and _copy_size(node) > MAX_COPY:
            try:  # (local: what each rank sends and keeps is its own business, the exchange is the same)
                _deferred.evaluate(node)
            except Exception:  # noqa: BLE001 - kept on the node, raised on every rank at the next flush
                pass

    def __getitem__(self, key: tuple) -> np.ndarray:
        node = self.node
        if node.block is not None:  # computed on this rank already (.local, or too large to copy)
            return node.block[key]
        if node.exc is not None:
            return _zeros(node, key)
        copies = region_copies(node, key).nodes
        try:
            _deferred.evaluate(copies[-1])
        except Exception as exc:  # noqa: BLE001 - raised on every rank at the next flush, as the call's own
            node.exc = exc
            return _zeros(node, key)
        return copies[-1].block

    def region(self, key: tuple) -> np.ndarray | Region:
        node = self.node
        if node.block is not None:
            return node.block[key]
        return _zeros(node, key) if node.exc is not None else region_copies(node, key)


def _zeros(node: Node, key: tuple) -> np.ndarray:
    """Stand-in values of a failed computation (every rank still sends its share; the failure is raised later)."""
    return np.zeros(_region_shape(_normalized(key, node.shape)), node.dtype)


def _normalized(key: tuple, shape: tuple) -> tuple:
    """``key`` (slices of step 1 into a block of ``shape``) with plain start and stop, as Pieces keeps keys."""
    return tuple(slice(*k.indices(n)[:2]) for k, n in zip(key, shape))


def _region_shape(key: tuple) -> tuple:
    return tuple(k.stop - k.start for k in key)


def _copy_size(root: Node) -> int:
    """How many pending nodes a copy of ``root``'s expression holds (counted up to just past :data:`MAX_COPY`)."""
    seen: set[int] = set()
    stack = [root]
    while stack and len(seen) <= MAX_COPY:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for a in node.args:
            if type(a) is Node and a.block is None:
                stack.append(a)
            elif type(a) is Pieces:
                stack.extend(n for _, values in a.parts if type(values) is Region for n in values.nodes)
    return len(seen)


def region_copies(root: Node, key: tuple) -> Region:
    """Copies of ``root``'s pending expression restricted to ``block[key]`` (slices of step 1).

    Operands computed already are sliced; pending ones are copied too (each
    once).  Every copy names the queued node it computes part of.
    """
    key = _normalized(key, root.shape)
    shape = _region_shape(key)
    made: dict[int, Any] = {}  # id of an operand (node or pieces) -> its copy: each is copied once
    order: list[Node] = []

    def copy(node: Node) -> Node:
        done = made.get(id(node))
        if done is not None:
            return done
        args: list = []
        for a in node.args:
            kind = type(a)
            if kind is Node:
                args.append(a.block[key] if a.block is not None else copy(a))
            elif kind is np.ndarray:
                args.append(a[key])
            elif kind is Pieces:
                cut = made.get(id(a))
                if cut is None:
                    cut = made[id(a)] = a.sliced(key)
                args.append(cut)
            else:
                args.append(a)
        duplicate = Node(node.ufunc, args, node.dtype, shape, "R", node.settings, node.site)
        origin = node.origin() if node.origin is not None else node  # (queued, so alive while it is pending)
        duplicate.origin = weakref.ref(origin)  # (weak: the origin holds its copies, and a value its move)
        if origin.copies is None:
            origin.copies = []
        origin.copies.append(duplicate)
        made[id(node)] = duplicate
        order.append(duplicate)
        return duplicate

    copy(root)
    return Region(order)


_deferred.register_shift_handler(defer_shifted, region_copies)
