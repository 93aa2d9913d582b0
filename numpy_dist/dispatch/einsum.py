"""``np.einsum``: every subscript form mapped onto matrix products, reductions and diagonals.

Ellipses, letters repeated within an operand (distributed diagonals),
implicit mode and the operand-list form are parsed here (:func:`_parse_einsum`);
operands are then contracted pairwise, left to right, each contraction a
(batched) matrix product of :mod:`.products` / :mod:`.matmul_plan`.  What
still takes the fallback: keyword arguments NumPy's einsum does not know and
invalid ``order`` values (NumPy then raises its own error), and, as a safety
net, a call the parser rejects but NumPy accepts (none is known).

Communication: that of the reductions and matrix products it maps to;
diagonals move only the diagonal elements.  Never a gather.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from .. import comm as _comm
from ..distarray import DistArray
from ._layout import as_dist, comm_of
from .linalg import diagonal
from .matmul_plan import matmul2d
from .products import as_matrix, matmul_nd, single_element
from .protocol import fallback
from .registry import implements
from .operands import store_result

__all__ = ["einsum"]


# --------------------------------------------------------------------------
# einsum: contractions mapped onto matmul and reductions
# --------------------------------------------------------------------------


_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # NumPy's sublist labels 0..51, in this order


def _fresh(i: int) -> str:
    """The ``i``-th label for an ellipsis dimension (outside ASCII: never clashes with a user's letter)."""
    return chr(0x100 + i)


def _sublist_subscripts(operands: tuple) -> tuple[str, list] | None:
    """The operand-list form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` as a subscripts string and arrays."""
    arrays = list(operands[0::2])
    subs = list(operands[1::2])
    out = None
    if len(operands) % 2:
        out = arrays.pop()
    if len(subs) != len(arrays) or not arrays:
        return None

    def spell(sub: Any) -> str | None:
        parts = []
        for v in sub:
            if v is Ellipsis:
                parts.append("...")
            elif isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 0 <= int(v) < 52:
                parts.append(_LETTERS[int(v)])
            else:
                return None
        return "".join(parts)

    try:
        terms = [spell(t) for t in subs]
        tail = None if out is None else spell(out)
    except TypeError:
        return None
    if any(t is None for t in terms) or (out is not None and tail is None):
        return None
    return ",".join(terms) + ("" if out is None else "->" + tail), arrays


def _parse_einsum(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str, dict] | None:
    """Terms and output with every ``...`` expanded to fresh labels, plus each label's size.

    Follows NumPy: an ellipsis covers the dimensions its operand's letters
    leave, right-aligned and broadcast against the other operands'; implicit
    mode outputs the ellipsis dimensions, then the letters used exactly once
    in character-code order (upper case first).  Size-1 dimensions broadcast.
    None when the subscripts are not valid (the caller lets NumPy say why).
    """
    s = subscripts.replace(" ", "")
    if s.count("->") > 1:
        return None
    explicit = "->" in s
    lhs, out = s.split("->") if explicit else (s, None)
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        return None
    ell = []
    for t, shape in zip(terms, shapes):
        plain = t.replace("...", "", 1)
        if not set(plain) <= set(string.ascii_letters):
            return None
        e = len(shape) - len(plain) if "..." in t else 0
        if e < 0 or ("..." not in t and len(plain) != len(shape)):
            return None
        ell.append(e)
    E = max(ell, default=0)
    fresh = "".join(_fresh(i) for i in range(E))
    terms = [t.replace("...", fresh[E - e:], 1) for t, e in zip(terms, ell)]
    sizes: dict[str, int] = {}
    for t, shape in zip(terms, shapes):
        for c, n in zip(t, shape):
            have = sizes.get(c)
            if have is None or have == 1:
                sizes[c] = n
            elif n not in (1, have):
                return None
        for c in set(t):  # a repeated letter within one operand never broadcasts
            if len({shape[i] for i, d in enumerate(t) if d == c}) > 1:
                return None
    if out is None:
        letters = "".join(t for t in terms)
        out = fresh + "".join(sorted(c for c in set(letters) if c in string.ascii_letters and letters.count(c) == 1))
    else:
        if out.count("...") > 1:
            return None
        plain = out.replace("...", "", 1)
        if not set(plain) <= set(string.ascii_letters):
            return None
        if "..." not in out and any(ell):
            return None
        out = out.replace("...", fresh, 1)
        if len(set(out)) != len(out) or not set(out) <= set(sizes):
            return None
    return terms, out, sizes


def _drop_broadcast(x: DistArray, term: str, sizes: dict) -> tuple[DistArray, str]:
    """Remove ``x``'s size-1 axes whose label has another size elsewhere (they broadcast: a constant along
    it) -- an empty one too: a size-1 axis broadcasts against size 0."""
    keep = [i for i, c in enumerate(term) if not (x.shape[i] == 1 and sizes[c] != 1)]
    if len(keep) == x.ndim:
        return x, term
    shape = tuple(x.shape[i] for i in keep)
    return np.reshape(x, shape), "".join(term[i] for i in keep)


def _take_diagonals(x: DistArray, term: str) -> tuple[DistArray, str]:
    """Collapse every letter repeated within ``term`` to one axis (distributed diagonal extraction).

    2-d: :func:`diagonal` (each rank sends the diagonal elements it owns).
    N-d with the two axes whole: NumPy's diagonal on each block.  N-d with
    one of them distributed: the two axes go first (metadata) and the
    diagonal is read with index arrays (owner request/response), so the
    result stays spread over the ranks.
    """
    while len(set(term)) != len(term):
        c = next(ch for ch in term if term.count(ch) > 1)
        i = term.index(c)
        j = term.index(c, i + 1)
        rest = "".join(ch for k, ch in enumerate(term) if k not in (i, j))
        d = x.distribution
        if x.ndim == 2 or (d.axis_grid[i] is None and d.axis_grid[j] is None):
            x, term = diagonal(x, 0, i, j), rest + c
        else:
            x = np.moveaxis(x, (i, j), (0, 1))
            ar = np.arange(x.shape[0])
            x, term = x[ar, ar], c + rest
    return x, term


def _einsum_one(x: DistArray, term: str, out: str) -> DistArray:
    """One operand with distinct letters: sum the letters ``out`` lacks, then permute (metadata)."""
    comm = x.comm
    drop = tuple(i for i, c in enumerate(term) if c not in out)
    if drop:
        x = np.sum(x, axis=drop, dtype=x.dtype)
        term = "".join(c for c in term if c in out)
    if not isinstance(x, DistArray):  # a full sum: a replicated 0-d array
        x = as_dist(x, comm)
    if term != out:
        x = np.transpose(x, [term.index(c) for c in out])
    return x


def _einsum_two(A: DistArray, B: DistArray, ta: str, tb: str, out: str, sizes: dict) -> DistArray | Any:
    """One pairwise contraction of operands with distinct letters as a (batched) matrix product."""
    # Letters only one operand has and the output lacks are summed first.
    ka = "".join(c for c in ta if c in tb or c in out)
    kb = "".join(c for c in tb if c in ta or c in out)
    A, B = _einsum_one(A, ta, ka), _einsum_one(B, tb, kb)
    ta, tb = ka, kb
    batch = [c for c in ta if c in tb and c in out]
    contract = [c for c in ta if c in tb and c not in out]
    keep_a = [c for c in ta if c not in tb]
    keep_b = [c for c in tb if c not in ta]
    prod = lambda cs: int(np.prod([sizes[c] for c in cs], dtype=np.int64))  # noqa: E731
    M, K, N, Bt = prod(keep_a), prod(contract), prod(keep_b), prod(batch)
    if batch:
        a3 = as_matrix(A, [ta.index(c) for c in batch + keep_a + contract], (Bt, M, K))
        b3 = as_matrix(B, [tb.index(c) for c in batch + contract + keep_b], (Bt, K, N))
        C = matmul_nd(a3, b3)
    else:
        a2 = as_matrix(A, [ta.index(c) for c in keep_a + contract], (M, K))
        b2 = as_matrix(B, [tb.index(c) for c in contract + keep_b], (K, N))
        C = matmul2d(a2, b2)
    letters = batch + keep_a + keep_b
    shape = tuple(sizes[c] for c in letters)
    if not shape:
        return single_element(C)
    if C.shape != shape:
        C = np.reshape(C, shape)
    order = "".join(letters)
    if order != out:
        C = np.transpose(C, [order.index(c) for c in out])
    return C


@implements(np.einsum)
def einsum(*operands, out=None, optimize=False, **kwargs):
    """``np.einsum``: pairwise contractions on :func:`matmul2d`, never a gather.

    Supported: explicit and implicit subscripts (implicit output: ellipsis
    dimensions, then the letters used once, upper case before lower case, as
    NumPy), ``...`` in inputs and output (expanded to fresh labels,
    broadcasting size-1 dimensions), letters repeated within one operand
    (``'ii->i'``, ``'ii'``, ``'iij->j'``, ``'ijj->ij'``: distributed diagonal
    extraction first, see :func:`_take_diagonals`), the operand-list form
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``, ``dtype``/``casting``/``order``
    and ``out``.  ``optimize`` is accepted and ignored (operands are
    contracted left to right).

    Invalid subscripts raise NumPy's own error on every rank (NumPy checks
    zero-stride stand-ins of the operands' shapes; nothing is communicated).
    Fallback (warned): unknown keywords or ``order`` values only, and a call
    the parser rejects that NumPy accepts (a safety net; none is known).

    Communication: that of the reductions and matrix products it maps to;
    diagonals move only the diagonal elements.

    Examples
    --------
    >>> import numpy as np
    >>> import numpy_dist as nd
    >>> x = nd.asarray(np.arange(6.0).reshape(2, 3))
    >>> nd.asnumpy(np.einsum("...j,j", x, np.ones(3))).tolist()
    [3.0, 12.0]
    """
    def fall():
        kw = dict(kwargs)
        if out is not None:
            kw["out"] = out
        return fallback(np.einsum, operands, {**kw, "optimize": optimize}, "numpy.einsum")

    if not operands:
        return fall()
    dtype = kwargs.pop("dtype", None)
    casting = kwargs.pop("casting", "safe")
    order = kwargs.pop("order", "K")
    if kwargs or order not in ("K", "A", "C", "F", None):
        return fall()
    if isinstance(operands[0], str):
        subscripts, arrays = operands[0], list(operands[1:])
    else:
        spelled = _sublist_subscripts(operands)
        if spelled is None:
            return _einsum_error(operands, dtype, casting, fall)
        subscripts, arrays = spelled
    comm = comm_of(*arrays)
    xs = [as_dist(x, comm) for x in arrays]
    parsed = _parse_einsum(subscripts, [x.shape for x in xs])
    if parsed is not None and len(xs) == 1 and set(parsed[0][0]) == set(parsed[1]):
        dtype = None  # NumPy returns a view (permutation/diagonal) and ignores dtype and casting
    dt = np.result_type(*[x.dtype for x in xs]) if dtype is None else np.dtype(dtype)
    if parsed is None or (dtype is not None and not all(np.can_cast(x.dtype, dt, casting) for x in xs)):
        return _einsum_error(operands, dtype, casting, fall)
    terms, final, sizes = parsed
    xs = [x.astype(dt) if x.dtype != dt else x for x in xs]
    ops = []
    for x, t in zip(xs, terms):
        x, t = _drop_broadcast(x, t, sizes)
        ops.append(_take_diagonals(x, t))
    if len(ops) == 1:
        result = _einsum_one(ops[0][0], ops[0][1], final)
    else:
        result, term = ops[0]
        for i in range(1, len(ops)):
            rest = "".join(t for _, t in ops[i + 1:]) + final
            pair_out = final if i == len(ops) - 1 else \
                "".join(dict.fromkeys(c for c in term + ops[i][1] if c in rest))
            if not isinstance(result, DistArray):
                result = as_dist(result, comm)
            result = _einsum_two(result, ops[i][0], term, ops[i][1], pair_out, sizes)
            term = pair_out
    if isinstance(result, DistArray) and result.ndim == 0:
        result = result.local[()]
    if out is not None:
        return store_result(out, result if isinstance(result, DistArray) else as_dist(result, comm))
    return result


def _einsum_error(operands: tuple, dtype: Any, casting: Any, fall: Any) -> Any:
    """Raise NumPy's own error for a call the parser rejected, else take the fallback.

    NumPy validates zero-stride stand-ins of the operands' shapes and dtypes
    (no data, no messages), so every rank raises the same exception.
    """
    stand = tuple(np.broadcast_to(np.zeros((), x.dtype), x.shape) if isinstance(x, DistArray) else x
                  for x in operands)
    kw = {"casting": casting} if dtype is None else {"dtype": dtype, "casting": casting}
    np.einsum(*stand, **kw)
    return fall()


@implements(np.einsum_path)
def einsum_path(*operands, optimize="greedy", einsum_call=False):
    """``np.einsum_path``: NumPy's plan, computed from shapes only, rank 0's on every rank.

    Each DistArray operand is replaced by a zero-byte stand-in of its shape
    and dtype (a broadcast scalar); every other argument passes unchanged.
    NumPy names an ellipsis's dimensions with letters drawn from a set of
    strings, whose order is each process's own (hash randomisation): every
    rank raises NumPy's errors itself, and takes rank 0's plan (one broadcast).
    """
    standins = tuple(np.broadcast_to(np.zeros((), x.dtype), x.shape) if isinstance(x, DistArray) else x
                     for x in operands)
    plan = np.einsum_path(*standins, optimize=optimize, einsum_call=einsum_call)
    comm = comm_of(*[x for x in operands if isinstance(x, DistArray)])
    return _comm.bcast_object(comm, plan)
