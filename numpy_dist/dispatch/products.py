"""Matrix and vector products: ``matmul`` / ``@``, ``dot``, ``vdot``, ``inner``, ``outer``, ``tensordot``,
``vecdot``, ``matvec``, ``vecmat``, ``multi_dot`` (and their ``np.linalg`` spellings).

Two-dimensional products go to :func:`~numpy_dist.dispatch.matmul_plan.matmul2d`
(the planner picks rows, cols, inner, ring or SUMMA).  Stacked operands run
batch-parallel (:func:`_stacked`): the batch axes carry the distribution and
NumPy multiplies each rank's matrices; no data moves when the matrix axes are
already whole.  ``tensordot`` permutes (metadata) and reshapes its operands
into matrices; ``vdot``/``vecdot`` are distributed sums of products.

Communication: that of :func:`~numpy_dist.dispatch.matmul_plan.matmul2d` for
2-d products; none for stacked operands whose batch axes carry the
distribution (else one Alltoallv per operand); reshapes move data when the
layout does not survive them; the sums one small allgather of partials.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import comm as _comm
from ..distarray import DistArray
from ..distribution import Distribution
from ..maps import NoDistMap
from ._layout import as_dist, comm_of, drop_axis, insert_axis, layout
from .matmul_plan import matmul2d, probe_dtype
from .protocol import fallback
from .reductions import sum as _sum
from .registry import implements
from .operands import store_result

__all__ = ["matmul", "dot", "vdot", "inner", "outer", "tensordot", "vecdot", "matvec", "vecmat", "multi_dot"]


# --------------------------------------------------------------------------
# matmul (gufunc) and friends
# --------------------------------------------------------------------------


def _batch_dist(X: DistArray, batch: tuple[int, ...]) -> Distribution:
    """Output batch layout: ``X``'s batch maps when they fit, else blocks over the largest batch axis."""
    d = X.distribution
    nb = X.ndim - 2
    off = len(batch) - nb
    if (all(g is None for g in d.axis_grid[nb:]) and any(g is not None for g in d.axis_grid[:nb])
            and all(X.shape[i] == batch[i + off] for i in range(nb) if d.axis_grid[i] is not None)):
        maps = [NoDistMap(n) for n in batch]
        grid: list[int | None] = [None] * len(batch)
        for i in range(nb):
            if d.axis_grid[i] is not None:
                maps[i + off], grid[i + off] = d.maps[i], d.axis_grid[i]
        return Distribution.from_maps(d.comm, maps, d.proc_grid, tuple(grid))
    big = int(np.argmax(batch))
    return layout(X.comm, batch, big)


def _operand_dist(bd: Distribution, shape: tuple[int, ...]) -> Distribution:
    """Layout of a stacked operand of ``shape`` aligned with batch layout ``bd`` (matrix axes whole)."""
    return bd.broadcast_to(shape[:-2], bd).extended(shape[-2:])


def _stacked(A: DistArray, B: DistArray, dt: np.dtype, func: Any = np.matmul,
             core_out: tuple[int, ...] | None = None) -> DistArray:
    """Batch-parallel ``func`` of stacked operands: the batch axes carry the distribution."""
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    P = A.comm.Get_size()
    if int(np.prod(batch)) < P:  # too few matrices to share: one distributed product each
        outs = []
        for idx in np.ndindex(*batch):
            ia = tuple(i if n > 1 else 0 for i, n in zip(idx[len(batch) - A.ndim + 2:], A.shape[:-2]))
            ib = tuple(i if n > 1 else 0 for i, n in zip(idx[len(batch) - B.ndim + 2:], B.shape[:-2]))
            outs.append(matmul2d(A[ia] if ia else A, B[ib] if ib else B, dt))
        if not outs:
            shape = batch + (A.shape[-2], B.shape[-1])
            return DistArray._new(np.empty(shape, dt), Distribution.replicated_on(A.comm, shape))
        return np.reshape(np.stack(outs), batch + outs[0].shape)
    X = A if A.size >= B.size else B
    bd = _batch_dist(X, batch)
    a = A.to_layout(_operand_dist(bd, A.shape)).local
    b = B.to_layout(_operand_dist(bd, B.shape)).local
    local = _comm.agreed_call(A.comm, lambda: np.asarray(func(a, b)).astype(dt, copy=False), fp="matmul")
    core = local.shape[len(batch):] if core_out is None else core_out
    return DistArray._new(local, bd.extended(core))


def _gufunc_out(ufunc: np.ufunc, out: Any, args: tuple, dtype: Any = None, casting: str = "same_kind") -> Any:
    """``out=`` of a gufunc unwrapped from its 1-tuple, with NumPy's type checks made before any work.

    NumPy resolves dtypes (and the output casting) before it looks at
    shapes, so a bad ``out`` dtype is a ``UFuncTypeError`` whatever the
    shapes.  The check runs NumPy itself on length-1 stand-ins of the
    operands' dtypes and ranks: the same exception on every rank, no data.
    """
    if isinstance(out, tuple):
        if len(out) != 1:
            raise ValueError("The 'out' tuple must have exactly one entry per ufunc output")
        out = out[0]
    if out is None:
        return None
    if not isinstance(out, (np.ndarray, DistArray)):
        raise TypeError("return arrays must be of ArrayType")
    probes = [np.zeros((1,) * np.ndim(a), a.dtype if isinstance(a, DistArray) else np.asarray(a).dtype) for a in args]
    kw = {"dtype": dtype, "casting": casting} if dtype is not None else {}
    ndim = np.ndim(ufunc(*probes, **kw))
    ufunc(*probes, out=np.empty((1,) * ndim, out.dtype), **{**kw, "casting": casting})
    return out


def _check_core_ndims(ufunc: np.ufunc, args: tuple) -> None:
    """NumPy's first check of a gufunc call, before any dtype or casting: every operand has its core axes."""
    cores = ufunc.signature.split("->")[0][1:-1].split("),(")
    for i, (a, core) in enumerate(zip(args, cores)):
        need = len([d for d in core.split(",") if d and not d.endswith("?")])
        if np.ndim(a) < need:
            raise ValueError(f"{ufunc.__name__}: Input operand {i} does not have enough dimensions (has {np.ndim(a)}, "
                             f"gufunc core with signature {ufunc.signature} requires {need})")


def _loop_operands(ufunc: np.ufunc, x1: Any, x2: Any, dtype: Any, casting: str = "same_kind") -> tuple[Any, Any]:
    """``x1, x2`` in the loop dtype that ``dtype=`` selects: NumPy computes in it, not in the operands'
    common type (an int8 . float16 vecdot with ``dtype=complex128`` sums complex128 products).

    NumPy's casting check of the inputs comes first, on (1, 1) stand-ins
    (no data: the same exception on every rank, before any work).  The
    matmul-family loops are homogeneous, so the loop dtype is the result's.
    """
    if dtype is None:
        return x1, x2
    probes = [np.zeros((1, 1), a.dtype if isinstance(a, DistArray) else np.asarray(a).dtype) for a in (x1, x2)]
    loop = np.asarray(ufunc(*probes, dtype=dtype, casting=casting)).dtype
    return tuple(_as_loop_dtype(a, loop) for a in (x1, x2))


def _as_loop_dtype(a: Any, loop: np.dtype) -> Any:
    """``a`` cast (unsafely: the casting rule was checked already) to ``loop`` unless it has that dtype."""
    if isinstance(a, DistArray):
        return a if a.dtype == loop else a.astype(loop)
    a = np.asarray(a)
    return a if a.dtype == loop else a.astype(loop)


def _store_gufunc_out(out: Any, result: Any, comm: Any) -> Any:
    """Write a gufunc ``result`` into ``out``; like NumPy, ``out`` may add broadcast (loop) dimensions."""
    shape = np.shape(result)
    if np.shape(out) != shape:
        try:
            ok = np.broadcast_shapes(shape, np.shape(out)) == np.shape(out)
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"non-broadcastable output operand with shape {np.shape(out)} doesn't match the "
                             f"broadcast shape {shape}")
    result = result if isinstance(result, DistArray) else as_dist(np.asarray(result), comm)
    if np.shape(out) != shape:
        result = np.broadcast_to(result, np.shape(out))
    return store_result(out, result)


def matmul_nd(a: Any, b: Any, dtype: Any = None) -> Any:
    """``a @ b`` for 1-d, 2-d and stacked operands (no ``out``; ``dtype``: the result's), NumPy's shape errors."""
    comm = comm_of(a, b)
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        raise ValueError("matmul: Input operand %d does not have enough dimensions (has 0, gufunc core with "
                         "signature (n?,k),(k,m?)->(n?,m?) requires 1)" % (0 if np.ndim(a) == 0 else 1))
    A, B = as_dist(a, comm), as_dist(b, comm)
    dt = np.dtype(dtype) if dtype is not None else probe_dtype(np.matmul, A.dtype, B.dtype)
    va, vb = A.ndim == 1, B.ndim == 1
    if va:
        A = insert_axis(A, 0)
    if vb:
        B = insert_axis(B, 1)
    if A.shape[-1] != B.shape[-2]:
        raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
                         f"(n?,k),(k,m?)->(n?,m?) (size {B.shape[-2]} is different from {A.shape[-1]})")
    if A.ndim == 2 and B.ndim == 2:
        C = matmul2d(A, B, dt)
    else:
        C = _stacked(A, B, dt)
    if vb:
        C = drop_axis(C, C.ndim - 1)
    if va:
        C = drop_axis(C, C.ndim - 1 if vb else C.ndim - 2)
    if C.ndim == 0:
        return C.local[()]
    return C


def _zeros_like_shape(x: Any) -> np.ndarray:
    """A zero-byte float stand-in of ``x``'s shape: NumPy's gufunc axis checks and result shape, no data."""
    return np.broadcast_to(np.zeros(()), np.shape(x))


@implements(np.matmul)
def matmul(x1, x2, /, out=None, **kwargs):
    """``np.matmul`` / ``@`` for 1-d, 2-d and stacked operands in any layouts (see module docstring).

    Communication: that of :func:`matmul2d` (2-d), none for stacked operands
    whose batch axes carry the distribution.
    """
    dtype = kwargs.pop("dtype", None)
    casting = kwargs.pop("casting", "same_kind")
    axes = kwargs.pop("axes", None)
    if kwargs or (axes is not None and (np.ndim(x1) < 2 or np.ndim(x2) < 2)):
        return fallback(np.matmul, (x1, x2), {"out": out, "dtype": dtype, "casting": casting, "axes": axes,
                                              **kwargs}, "numpy.matmul (axes of vectors)")
    if axes is not None:  # the core axes moved last, the product, its core axes moved where axes says
        shape = np.matmul(_zeros_like_shape(x1), _zeros_like_shape(x2), axes=axes).shape
        (a1, a2, a3) = (tuple(normalize_axis_index(i, n) for i in ax) for ax, n in
                        zip(axes, (np.ndim(x1), np.ndim(x2), len(shape))))
        r = matmul(np.moveaxis(x1, a1, (-2, -1)), np.moveaxis(x2, a2, (-2, -1)), dtype=dtype, casting=casting)
        r = np.moveaxis(r, (-2, -1), a3)
        return r if out is None else _store_gufunc_out(out, r, comm_of(x1, x2))
    out = _gufunc_out(np.matmul, out, (x1, x2), dtype, casting)
    x1, x2 = _loop_operands(np.matmul, x1, x2, dtype, casting)
    result = matmul_nd(x1, x2, dtype)
    if out is not None:
        return _store_gufunc_out(out, result, comm_of(x1, x2))
    return result


@implements(np.linalg.matmul)
def linalg_matmul(x1, x2, /):
    """``np.linalg.matmul``."""
    return matmul_nd(x1, x2)


@implements(np.dot)
def dot(a, b, out=None):
    """``np.dot``: scalars multiply, 1-d/2-d is :func:`matmul`, N-d a :func:`tensordot`."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        a = a if isinstance(a, DistArray) else np.asarray(a)
        b = b if isinstance(b, DistArray) else np.asarray(b)
        result = np.multiply(a, b)
    elif np.ndim(a) <= 2 and np.ndim(b) <= 2:
        if np.shape(a)[-1] != np.shape(b)[0]:
            raise ValueError(f"shapes {np.shape(a)} and {np.shape(b)} not aligned: {np.shape(a)[-1]} (dim "
                             f"{np.ndim(a) - 1}) != {np.shape(b)[0]} (dim 0)")
        result = matmul_nd(a, b)
    else:
        result = tensordot(a, b, axes=([-1], [-2 if np.ndim(b) >= 2 else 0]))
    if out is not None:
        return store_result(out, result if isinstance(result, DistArray) else as_dist(result, comm_of(a, b)))
    return result


@implements(np.vdot)
def vdot(a, b, /):
    """``np.vdot``: conjugated dot product of the flattened arrays (a distributed sum of products).

    Communication: the operands are aligned (no movement when they share a
    layout), then one small allgather of partial sums.
    """
    comm = comm_of(a, b)
    A, B = as_dist(a, comm), as_dist(b, comm)
    if A.size != B.size:
        raise ValueError("cannot reshape array of size %d into shape (%d,)" % (B.size, A.size))
    dt = probe_dtype(np.vdot, A.dtype, B.dtype, shapes=((0,), (0,)))
    if A.shape != B.shape:
        A, B = np.ravel(A), np.ravel(B)
    prod = np.multiply(np.conjugate(A) if A.dtype.kind == "c" else A, B)
    return _sum(prod, dtype=dt)


@implements(np.inner)
def inner(a, b, /):
    """``np.inner``: a :func:`tensordot` over the last axes."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return np.multiply(a, b)
    if np.shape(a)[-1] != np.shape(b)[-1]:
        raise ValueError(f"shapes {np.shape(a)} and {np.shape(b)} not aligned: {np.shape(a)[-1]} (dim "
                         f"{np.ndim(a) - 1}) != {np.shape(b)[-1]} (dim {np.ndim(b) - 1})")
    return tensordot(a, b, axes=([-1], [-1]))


@implements(np.outer)
def outer(a, b, out=None):
    """``np.outer``: ``np.multiply.outer`` of the flattened operands (b is replicated)."""
    comm = comm_of(a, b)
    A, B = as_dist(a, comm), as_dist(b, comm)
    result = np.multiply.outer(np.ravel(A) if A.ndim != 1 else A, np.ravel(B) if B.ndim != 1 else B)
    return store_result(out, result) if out is not None else result


@implements(np.linalg.outer)
def linalg_outer(x1, x2, /):
    """``np.linalg.outer`` (1-d operands only, as in NumPy)."""
    if np.ndim(x1) != 1 or np.ndim(x2) != 1:
        raise ValueError(f"Input arrays must be one-dimensional, but they are x1.ndim={np.ndim(x1)} and "
                         f"x2.ndim={np.ndim(x2)}.")
    return outer(x1, x2)


def _tensordot_axes(axes: Any, na: int, nb: int) -> tuple[list[int], list[int]]:
    try:
        iter(axes)
    except TypeError:
        n = int(axes)
        return list(range(na - n, na)), list(range(n))
    a_axes, b_axes = axes
    a_axes = [a_axes] if np.ndim(a_axes) == 0 else list(a_axes)
    b_axes = [b_axes] if np.ndim(b_axes) == 0 else list(b_axes)
    if len(a_axes) != len(b_axes):
        raise ValueError("shape-mismatch for sum")
    return [normalize_axis_index(int(i), na) for i in a_axes], [normalize_axis_index(int(i), nb) for i in b_axes]


@implements(np.tensordot)
def tensordot(a, b, axes=2):
    """``np.tensordot``: operands permuted (metadata) and reshaped to matrices, then :func:`matmul2d`.

    Communication: reshapes move data when the layout does not survive them
    (one Alltoallv each), then the matrix product's.
    """
    if not hasattr(axes, "__iter__"):
        # NumPy's own check order: shapes are compared pairwise, and indexing a short shape fails first.
        n = int(axes)
        sa, sb = np.shape(a), np.shape(b)
        for k in range(n):
            if sa[k - n] != sb[k]:
                raise ValueError("shape-mismatch for sum")
    comm = comm_of(a, b)
    A, B = as_dist(a, comm), as_dist(b, comm)
    ax_a, ax_b = _tensordot_axes(axes, A.ndim, B.ndim)
    for i, j in zip(ax_a, ax_b):
        if A.shape[i] != B.shape[j]:
            raise ValueError("shape-mismatch for sum")
    free_a = [i for i in range(A.ndim) if i not in ax_a]
    free_b = [i for i in range(B.ndim) if i not in ax_b]
    M = int(np.prod([A.shape[i] for i in free_a], dtype=np.int64))
    K = int(np.prod([A.shape[i] for i in ax_a], dtype=np.int64))
    N = int(np.prod([B.shape[i] for i in free_b], dtype=np.int64))
    a2 = as_matrix(A, free_a + ax_a, (M, K))
    b2 = as_matrix(B, ax_b + free_b, (K, N))
    C = matmul2d(a2, b2)
    shape = tuple(A.shape[i] for i in free_a) + tuple(B.shape[i] for i in free_b)
    if C.shape == shape:
        return C
    if not shape:
        return single_element(C)
    return np.reshape(C, shape)


def single_element(C: DistArray) -> Any:
    """The single element of ``C`` on every rank (replicated first if it lives on one rank)."""
    return C.to_layout(Distribution.replicated_on(C.comm, C.shape)).local.reshape(())[()]


def as_matrix(x: DistArray, perm: list[int], shape2: tuple[int, ...]) -> DistArray:
    """``x`` with its axes permuted by ``perm`` (metadata), then reshaped to ``shape2`` (matrices or a stack)."""
    if perm != list(range(x.ndim)):
        x = np.transpose(x, perm)
    if x.shape == shape2:
        return x
    return np.reshape(x, shape2)


@implements(np.linalg.tensordot)
def linalg_tensordot(x1, x2, /, *, axes=2):
    """``np.linalg.tensordot``."""
    return tensordot(x1, x2, axes=axes)


@implements(np.vecdot)
def vecdot(x1, x2, /, out=None, *, axis=-1, **kwargs):
    """``np.vecdot``: ``sum(conj(x1) * x2, axis)`` (elementwise alignment, then a distributed sum)."""
    axes, keepdims = kwargs.pop("axes", None), kwargs.pop("keepdims", False)
    if axes is not None or keepdims:  # NumPy's shape for them, then the plain reduction along moved axes
        shape = np.vecdot(_zeros_like_shape(x1), _zeros_like_shape(x2),
                          **({"axes": axes} if axes is not None else {"axis": axis}), keepdims=keepdims).shape
        a1, a2 = ((axes[0], axes[1]) if axes is not None else (axis, axis))
        a1, a2 = (normalize_axis_index(a[0] if isinstance(a, tuple) else a, np.ndim(x))
                  for a, x in ((a1, x1), (a2, x2)))
        r = vecdot(np.moveaxis(x1, a1, -1), np.moveaxis(x2, a2, -1), **kwargs)
        if np.shape(r) != shape:  # keepdims: NumPy's length-1 axes (a scalar result becomes a 1-element array)
            r = np.reshape(as_dist(r, comm_of(x1, x2)), shape)
        return r if out is None else _store_gufunc_out(out, r, comm_of(x1, x2))
    _check_core_ndims(np.vecdot, (x1, x2))
    out = _gufunc_out(np.vecdot, out, (x1, x2), kwargs.get("dtype"), kwargs.get("casting", "same_kind"))
    x1, x2 = _loop_operands(np.vecdot, x1, x2, kwargs.get("dtype"), kwargs.get("casting", "same_kind"))
    dt = kwargs.get("dtype") or probe_dtype(np.vecdot, np.asarray(x1).dtype if not isinstance(x1, DistArray)
                                             else x1.dtype, np.asarray(x2).dtype if not isinstance(x2, DistArray)
                                             else x2.dtype, shapes=((0,), (0,)))
    s1, s2 = np.shape(x1), np.shape(x2)
    a1, a2 = normalize_axis_index(axis, len(s1)), normalize_axis_index(axis, len(s2))
    if s1[a1] != s2[a2]:
        raise ValueError(f"vecdot: Input operand 1 has a mismatch in its core dimension 0 "
                         f"(size {s2[a2]} is different from {s1[a1]})")
    if a1 != len(s1) - 1:
        x1 = np.moveaxis(x1, a1, -1)
    if a2 != len(s2) - 1:
        x2 = np.moveaxis(x2, a2, -1)
    ax = -1
    x1c = np.conjugate(x1) if np.result_type(dt).kind == "c" else x1
    result = _sum(np.multiply(x1c, x2), axis=ax, dtype=dt)
    return _store_gufunc_out(out, result, comm_of(x1, x2)) if out is not None else result


@implements(np.linalg.vecdot)
def linalg_vecdot(x1, x2, /, *, axis=-1):
    """``np.linalg.vecdot``."""
    return vecdot(x1, x2, axis=axis)


@implements(np.matvec)
def matvec(x1, x2, /, out=None, **kwargs):
    """``np.matvec``: ``matmul`` of the matrices with the vectors as columns (``dtype=``: computed in it)."""
    dtype, casting = kwargs.pop("dtype", None), kwargs.pop("casting", "same_kind")
    if kwargs:
        return fallback(np.matvec, (x1, x2), {"out": out, "dtype": dtype, "casting": casting, **kwargs},
                        "numpy.matvec (axes options)")
    _check_core_ndims(np.matvec, (x1, x2))
    out = _gufunc_out(np.matvec, out, (x1, x2), dtype, casting)
    x1, x2 = _loop_operands(np.matvec, x1, x2, dtype, casting)
    result = matmul(x1, np.expand_dims(x2, -1))[..., 0]
    return result if out is None else _store_gufunc_out(out, result, comm_of(x1, x2))


@implements(np.vecmat)
def vecmat(x1, x2, /, out=None, **kwargs):
    """``np.vecmat``: the conjugated vectors as rows times the matrices (``dtype=``: computed in it)."""
    dtype, casting = kwargs.pop("dtype", None), kwargs.pop("casting", "same_kind")
    if kwargs:
        return fallback(np.vecmat, (x1, x2), {"out": out, "dtype": dtype, "casting": casting, **kwargs},
                        "numpy.vecmat (axes options)")
    _check_core_ndims(np.vecmat, (x1, x2))
    out = _gufunc_out(np.vecmat, out, (x1, x2), dtype, casting)
    x1, x2 = _loop_operands(np.vecmat, x1, x2, dtype, casting)
    x1c = np.conjugate(x1) if np.result_type(x1).kind == "c" else x1  # (conjugate turns bool into int8)
    result = matmul(np.expand_dims(x1c, -2), x2)[..., 0, :]
    return result if out is None else _store_gufunc_out(out, result, comm_of(x1, x2))


def _chain_order(dims: list[int]) -> list[list[int]]:
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = float("inf")
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


@implements(np.linalg.multi_dot)
def multi_dot(arrays, *, out=None):
    """``np.linalg.multi_dot``: the cheapest parenthesisation (NumPy's dynamic programme), distributed matmuls."""
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError("Expecting at least two arrays.")
    comm = comm_of(*arrays)
    xs = [as_dist(a, comm) for a in arrays]
    first_1d, last_1d = xs[0].ndim == 1, xs[-1].ndim == 1
    if first_1d:
        xs[0] = insert_axis(xs[0], 0)
    if last_1d:
        xs[-1] = insert_axis(xs[-1], 1)
    for x in xs:
        if x.ndim != 2:
            raise np.linalg.LinAlgError(f"{x.ndim}-dimensional array given. Array must be two-dimensional")
    dims = [x.shape[0] for x in xs] + [xs[-1].shape[1]]
    split = _chain_order(dims)

    def prod(i: int, j: int) -> DistArray:
        if i == j:
            return xs[i]
        k = split[i][j]
        return matmul2d(prod(i, k), prod(k + 1, j))

    r = prod(0, len(xs) - 1)
    if last_1d:
        r = drop_axis(r, 1)
    if first_1d:
        r = drop_axis(r, 0)
    if r.ndim == 0:
        r = r.local[()]
    if out is not None:
        return store_result(out, r if isinstance(r, DistArray) else as_dist(r, comm))
    return r
