"""Creating DistArrays and gathering them back.

Default distribution everywhere: block along axis 0.  ``dist=`` takes a
:class:`Distribution`, one code for every axis (``'b'``, ``'c'``, ``'n'``), a
sequence of codes, or the seed's ``{axis: code}`` dict.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from mpi4py import MPI
from numpy.lib.array_utils import normalize_axis_index

from . import _deferred, _exposure
from . import comm as _comm
from ._docstrings import fill_shared, shared_parameters
from .checks import collective
from .distarray import DistArray, aligned_block, check_dtype, install_array_hooks
from .distribution import Distribution, normalize_dist, normalize_grid_shape, normalize_shape, shape_standin
from .maps import BlockMap, CyclicMap, NoDistMap
from .redistribute import replica_info, distribution_from_dim_data, redistribute_local

__all__ = [
    "asarray", "scatter", "from_local", "from_distarray", "asnumpy", "gather", "redistribute",
    "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
    "arange", "linspace", "logspace", "geomspace", "eye", "identity", "fromfunction", "evaluate",
]


def resolve_distribution(shape: Any, dist: Any = None, grid_shape: Any = None, comm: Any = None) -> Distribution:
    """A Distribution for ``shape`` from any accepted ``dist=`` spelling (local, no communication)."""
    if isinstance(dist, Distribution):
        shape = normalize_shape(shape)
        if dist.shape != shape:
            raise ValueError(f"dist describes shape {dist.shape} but the array has shape {shape}")
        if comm is not None and _comm.get_comm(comm) != dist.comm:
            raise ValueError("comm differs from the communicator of dist")
        if grid_shape is not None and tuple(grid_shape) != dist.grid_shape:
            raise ValueError("grid_shape conflicts with the grid of dist")
        return dist
    return Distribution(_comm.get_comm(comm), shape, dist, grid_shape)


def _root_layout(comm: Any, shape: tuple[int, ...], root: int) -> Distribution:
    """All of the array on ``root``, nothing elsewhere (for scatter and gather); a 0-d array everywhere."""
    return Distribution.on_rank(comm, shape, root) if shape else Distribution.replicated_on(comm, shape)


def _dist_for(d: DistArray, dist: Any, grid_shape: Any, comm: Any) -> Distribution:
    if comm is not None and _comm.get_comm(comm) != d.comm:
        raise ValueError("comm differs from the communicator of the DistArray")
    if dist is None and grid_shape is None:
        return d.distribution
    return resolve_distribution(d.shape, dist, grid_shape, d.comm)


# --------------------------------------------------------------------------
# From data
# --------------------------------------------------------------------------


@collective()
@shared_parameters
def asarray(obj: Any, dtype: Any = None, *, dist: Any = None, grid_shape: Any = None,
            comm: MPI.Intracomm | None = None, copy: bool | None = None, device: Any = None) -> DistArray:
    """Distribute data that every rank holds (each rank keeps only its part).

    Parameters
    ----------
    obj : array_like or DistArray
        The same global data on every rank (not checked; it is the SPMD
        contract).  A DistArray is cast and/or redistributed.
    dtype : data-type, optional
        Element type of the result (default: inferred from ``obj``).  Object
        dtypes are refused.
    {dist}
    {grid_shape}
    {comm}
    copy : bool or None, optional
        ``True`` always copies; ``None`` (default) lets block-distributed local
        blocks be views of ``obj``; ``False`` raises ValueError when a copy is
        needed.
    device : {None, 'cpu'}, optional
        Array API device; only the CPU exists.

    Returns
    -------
    DistArray
        The global array ``obj``, laid out as ``dist`` says.

    Raises
    ------
    TypeError
        If ``dtype`` (or the dtype of ``obj``) is not a supported NumPy dtype, or
        ``dist`` is not a distribution spelling.
    ValueError
        If ``dist``, ``grid_shape`` or ``comm`` do not fit the shape or each
        other, if ``copy=False`` needs a copy, or if ``device`` is not the CPU.

    Notes
    -----
    Communication: none (a DistArray input may be redistributed: one Alltoallv).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> d = nd.asarray(np.arange(10), dist="c")
    >>> d.dist
    ('c',)
    >>> nd.asnumpy(d).tolist()
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    if device not in (None, "cpu"):
        raise ValueError(f"unsupported device {device!r}")
    if isinstance(obj, DistArray):
        target = _dist_for(obj, dist, grid_shape, comm)
        out = obj if target == obj.distribution else redistribute(obj, dist=target)
        if dtype is not None and check_dtype(dtype) != out.dtype:
            if copy is False:
                raise ValueError("copy=False is impossible: the dtype differs")
            return out.astype(dtype)
        if copy and out is obj:
            return obj.copy()
        return out
    if copy is False and not isinstance(obj, np.ndarray):
        raise ValueError("copy=False is impossible: the input is not an ndarray")
    data = np.asarray(obj, dtype=dtype)
    if copy is False and dtype is not None and data is not obj and not np.shares_memory(data, obj):
        raise ValueError("copy=False is impossible: the dtype differs")
    check_dtype(data.dtype)
    target = resolve_distribution(data.shape, dist, grid_shape, comm)
    key = target.local_key() if data.ndim else ...  # (a 0-d array's ``[()]`` is a scalar: a string's width lost)
    local = data[key]
    # Decided from global metadata, so every rank agrees (a rank-local answer could differ).
    views = all(m.local_slice(p) is not None for m in target.maps for p in range(m.grid_size))
    if copy is False and not views:
        raise ValueError("copy=False is impossible for this distribution (its local blocks are not views)")
    if copy or (not views and local.base is data):
        local = local.copy()
    elif isinstance(obj, np.ndarray) and data is obj:
        local = _exposure.lend(data, key)  # a view of the caller's array: its writes reach this block
    elif isinstance(obj, np.ndarray):
        _exposure.expose(local)
    return DistArray._new(local, target)


@collective(local_args=1)
@shared_parameters
def scatter(obj: Any, root: int = 0, *, dtype: Any = None, dist: Any = None, grid_shape: Any = None,
            comm: MPI.Intracomm | None = None) -> DistArray:
    """Distribute data that only rank ``root`` holds (other ranks may pass None).

    Parameters
    ----------
    obj : array_like or None
        The global data on rank ``root``; ignored on the other ranks.
    root : int, optional
        The rank that holds the data (default 0).
    dtype : data-type, optional
        Element type (default: inferred from ``obj`` on ``root``).
    {dist}
    {grid_shape}
    {comm}

    Returns
    -------
    DistArray
        The data of ``root``, distributed as ``dist`` says.

    Raises
    ------
    ValueError
        If ``root`` is not a rank of ``comm``, or ``dist``/``grid_shape`` do not
        fit the shape.
    TypeError or ValueError
        What converting the data to an array raised on ``root`` (an object or
        ragged input), raised on every rank.

    Notes
    -----
    Communication: one broadcast of shape and dtype, then one Alltoallv
    from ``root`` (each rank receives only its part).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from mpi4py import MPI
    >>> x = np.arange(6.0) if MPI.COMM_WORLD.rank == 0 else None
    >>> nd.asnumpy(nd.scatter(x)).tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    """
    c = _comm.get_comm(comm)
    if not isinstance(root, int) or not 0 <= root < c.Get_size():
        raise ValueError(f"root must be a rank of the communicator, got {root!r}")
    meta, data = None, None
    if c.Get_rank() == root:
        try:
            data = np.asarray(obj, dtype=dtype)
            check_dtype(data.dtype)
            meta = (data.shape, data.dtype.str, None)
        except Exception as exc:  # bad data on root: every rank must hear of it
            meta = (None, None, exc)
    meta = _comm.bcast_object(c, meta, root=root)
    if meta[2] is not None:
        _comm.agree(c, meta[2])
    shape, dt = meta[0], np.dtype(meta[1])
    target = resolve_distribution(shape, dist, grid_shape, c)
    if not shape:  # a 0-d value: broadcast it
        value = _comm.bcast_array(c, data if c.Get_rank() == root else None, root=root)
        return DistArray._new(value.reshape(()), target)
    src = _root_layout(c, shape, root)
    local = data if c.Get_rank() == root else np.empty(src.local_shape, dtype=dt)
    return DistArray._new(redistribute_local(np.ascontiguousarray(local), src, target), target)


@collective(local_args=1)
@shared_parameters
def from_local(block: Any, *, dist: Any = None, grid_shape: Any = None,
               comm: MPI.Intracomm | None = None) -> DistArray:
    """Assemble a DistArray from the blocks each rank holds.

    Parameters
    ----------
    block : array_like
        This rank's local block (kept without copying when it is an ndarray).
    dist : Distribution, str, sequence of str or dict, optional
        A Distribution the blocks must match, or per-axis codes (default block
        along axis 0) from which the global shape is inferred: ``'b'`` axes
        concatenate the blocks in grid order, ``'c'`` axes are cyclic (each
        block's length must match), ``'n'`` axes must agree.
    grid_shape : tuple of int, optional
        Processes along each axis; needed when the codes name more than one
        distributed axis.
    {comm}

    Returns
    -------
    DistArray
        The global array whose local blocks are the ``block`` arguments.

    Raises
    ------
    TypeError
        If the blocks' dtypes differ between ranks or are not supported.
    ValueError
        If the blocks' shapes do not fit together (or do not match ``dist``),
        or several axes are distributed and ``grid_shape`` is missing.

    Notes
    -----
    Communication: one allgather of block shapes and dtypes.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from mpi4py import MPI
    >>> r = MPI.COMM_WORLD.rank
    >>> d = nd.from_local(np.full(2, r))
    >>> d.shape == (2 * MPI.COMM_WORLD.size,)
    True
    >>> nd.asnumpy(d)[:2].tolist()
    [0, 0]
    """
    local = np.asarray(block)
    c = _comm.get_comm(comm if not isinstance(dist, Distribution) else dist.comm)
    check_dtype(local.dtype, "block dtype")
    everyone = _comm.allgather_object(c, (local.shape, local.dtype.str))
    dtypes = {dt for _, dt in everyone}
    if len(dtypes) > 1:
        raise TypeError(f"the local blocks have different dtypes on different ranks: {sorted(dtypes)}")
    shapes = [s for s, _ in everyone]
    if isinstance(dist, Distribution):
        bad = [r for r, s in enumerate(shapes) if s != dist.local_shape_of(r)]
        if bad:
            raise ValueError(f"block shapes do not match dist on ranks {bad}: "
                             f"got {[shapes[r] for r in bad]}, expected {[dist.local_shape_of(r) for r in bad]}")
        _exposure.expose(local)  # the caller keeps its block
        return DistArray._new(local, dist)
    target = _infer_distribution(c, shapes, dist, grid_shape)
    _exposure.expose(local)  # the caller keeps its block
    return DistArray._new(local, target)


def _infer_distribution(c: MPI.Intracomm, shapes: list[tuple], dist: Any, grid_shape: Any) -> Distribution:
    ndims = {len(s) for s in shapes}
    if len(ndims) != 1:
        raise ValueError(f"the local blocks have different numbers of dimensions: {sorted(ndims)}")
    ndim = ndims.pop()
    if ndim == 0:
        return Distribution.replicated_on(c, ())
    codes = normalize_dist(dist, ndim)
    distributed = [i for i, code in enumerate(codes) if code != "n"]
    P = c.Get_size()
    if grid_shape is None:
        if len(distributed) > 1:
            raise ValueError("grid_shape is needed to assemble blocks distributed along several axes")
        grid = tuple(P if i in distributed else 1 for i in range(ndim))
    else:
        grid = normalize_grid_shape(grid_shape, (0,) * ndim, codes, P)
    proc_grid = tuple(grid[i] for i in distributed) or (P,)
    maps = []
    for axis, code in enumerate(codes):
        if code == "n":
            sizes = {s[axis] for s in shapes}
            if len(sizes) != 1:
                raise ValueError(f"axis {axis} is not distributed but the blocks have lengths {sorted(sizes)}")
            maps.append(NoDistMap(sizes.pop()))
            continue
        g = distributed.index(axis)
        lengths = []
        for p in range(proc_grid[g]):
            ranks = [r for r in range(P) if np.unravel_index(r, proc_grid)[g] == p]
            ls = {shapes[r][axis] for r in ranks}
            if len(ls) != 1:
                raise ValueError(f"blocks in grid column {p} of axis {axis} have different lengths {sorted(ls)}")
            lengths.append(ls.pop())
        size = int(sum(lengths))
        if code == "b":
            maps.append(BlockMap(size, len(lengths), np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)))
        else:
            m = CyclicMap(size, len(lengths))
            if [m.local_size(p) for p in range(len(lengths))] != lengths:
                raise ValueError(f"block lengths {lengths} along axis {axis} are not a cyclic layout of {size}")
            maps.append(m)
    return Distribution.from_maps(c, maps, proc_grid, [distributed.index(i) if i in distributed else None
                                                        for i in range(ndim)])


@collective()
@shared_parameters
def from_distarray(obj: Any, comm: MPI.Intracomm | None = None) -> DistArray:
    """Wrap an object exporting the Distributed Array Protocol (zero-copy).

    Parameters
    ----------
    obj : object or dict
        An object with a ``__distarray__()`` method, or the protocol's dict
        (``'buffer'`` and ``'dim_data'``) itself.
    {comm}
        Default: ``obj.comm`` when it has one, else ``COMM_WORLD``.

    Returns
    -------
    DistArray
        A DistArray whose local block is this rank's ``buffer`` (not copied).

    Raises
    ------
    TypeError
        If ``obj`` exports no protocol dict.
    ValueError
        If a rank's buffer does not have the shape its ``dim_data`` describes.

    Notes
    -----
    Communication: one allgather of the ``dim_data`` (to learn the global layout).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> d = nd.asarray(np.arange(6.0))
    >>> e = nd.from_distarray(d)
    >>> nd.asnumpy(e).tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    """
    data = obj.__distarray__() if hasattr(obj, "__distarray__") else obj
    if not isinstance(data, dict) or "buffer" not in data or "dim_data" not in data:
        raise TypeError("from_distarray needs an object with __distarray__() or a dict with 'buffer' and 'dim_data'")
    c = _comm.get_comm(comm if comm is not None else getattr(obj, "comm", None))
    dist = distribution_from_dim_data(c, data["dim_data"])
    buf = np.asarray(data["buffer"])
    _comm.agree(c, None if buf.shape == dist.local_shape else
                ValueError(f"buffer shape {buf.shape} does not match its dim_data {dist.local_shape}"))
    _exposure.expose(buf)
    return DistArray._new(buf, dist)


# --------------------------------------------------------------------------
# Gathering and redistribution
# --------------------------------------------------------------------------


@collective()
@shared_parameters
def redistribute(d: DistArray, dist: Any = None, grid_shape: Any = None, comm: Any = None) -> DistArray:
    """The same global array in another distribution.

    Parameters
    ----------
    d : DistArray
        The array to move.
    {dist}
    {grid_shape}
    {comm}
        It must be the communicator of ``d``.

    Returns
    -------
    DistArray
        ``d`` itself when the layout is unchanged, else a new DistArray with the
        same values.

    Raises
    ------
    TypeError
        If ``d`` is not a DistArray.
    ValueError
        If the layout does not fit the shape of ``d``, or ``comm`` is another
        communicator.

    Notes
    -----
    Communication: one Alltoallv; elements that keep their owner are not sent.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> d = nd.asarray(np.arange(8))
    >>> e = nd.redistribute(d, dist="c")
    >>> e.dist
    ('c',)
    >>> bool((nd.asnumpy(e) == nd.asnumpy(d)).all())
    True
    """
    if not isinstance(d, DistArray):
        raise TypeError(f"redistribute needs a DistArray, got {type(d).__name__}")
    target = resolve_distribution(d.shape, dist, grid_shape, comm if comm is not None else d.comm)
    if target == d.distribution:
        return d
    if target.comm != d.comm:
        raise ValueError("redistribute cannot move an array to another communicator")
    return d.to_layout(target)


def evaluate(*arrays: DistArray) -> None:
    """Compute the deferred values of ``arrays`` now (collective; see ``NUMPY_DIST_LAZY``).

    With deferred evaluation on, elementwise results are computed when a value
    is needed; this settles every deferred call on the arrays' communicators
    now, reporting the floating-point errors they saw (one allreduce).
    Without deferral, or with nothing pending, it does nothing.

    Parameters
    ----------
    *arrays : DistArray
        Arrays whose communicators' deferred work is settled (other objects
        are ignored).

    Raises
    ------
    FloatingPointError
        If a settled call met a floating-point error that ``np.seterr`` makes
        an error.

    Notes
    -----
    Communication: one allreduce of floating-point flags per communicator with
    deferred work; none otherwise.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> d = nd.asarray(np.arange(4.0))
    >>> e = np.exp(d) - 1
    >>> nd.evaluate(e)
    >>> float(e[0])
    0.0
    """
    if len(arrays) == 1:  # (the usual call: no set of communicators to build)
        if isinstance(arrays[0], DistArray):
            _deferred.flush(arrays[0]._dist.comm)
        return
    comms = {id(a.comm): a.comm for a in arrays if isinstance(a, DistArray)}
    for c in comms.values():
        _deferred.flush(c)


@collective()
def asnumpy(d: DistArray) -> np.ndarray:
    """The whole array on every rank, as a NumPy array.

    Parameters
    ----------
    d : DistArray or array_like
        The array to collect; anything else is passed to ``np.asarray``.

    Returns
    -------
    numpy.ndarray
        The global array, identical on every rank (O(global size) memory on
        each rank).

    Notes
    -----
    Communication: one all-to-all exchange in which every rank receives
    every other rank's block (collective).

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.asnumpy(nd.arange(4)).tolist()
    [0, 1, 2, 3]
    """
    if not isinstance(d, DistArray):
        return np.asarray(d)
    dist = d.distribution
    full = dist.replicated(dist.shape)
    return redistribute_local(d.local, dist, full)


@collective()
def gather(d: DistArray, root: int = 0) -> np.ndarray | None:
    """The whole array on rank ``root`` (None elsewhere).

    Parameters
    ----------
    d : DistArray
        The array to collect.
    root : int, optional
        The rank that receives the array (default 0).

    Returns
    -------
    numpy.ndarray or None
        The global array on ``root``; None on the other ranks.

    Raises
    ------
    ValueError
        If ``root`` is not a rank of the array's communicator.

    Notes
    -----
    Communication: one Alltoallv towards ``root``.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> from mpi4py import MPI
    >>> x = nd.gather(nd.asarray(np.arange(4)), root=0)
    >>> (x is None) == (MPI.COMM_WORLD.rank != 0)     # None on the other ranks
    True
    >>> MPI.COMM_WORLD.bcast(x).tolist()              # rank 0's array
    [0, 1, 2, 3]
    """
    if not isinstance(root, int) or not 0 <= root < d.comm.Get_size():
        raise ValueError(f"root must be a rank of the communicator, got {root!r}")
    if d.ndim == 0:
        return d.local.copy() if d.comm.Get_rank() == root else None
    target = _root_layout(d.comm, d.shape, root)
    out = redistribute_local(d.local, d.distribution, target)
    return out if d.comm.Get_rank() == root else None


def gather_selection(d: DistArray, selections: Sequence[np.ndarray]) -> np.ndarray:
    """The sub-array ``d[np.ix_(*selections)]`` (non-negative global indices) on every rank.

    Each rank contributes the selected elements it holds (one replica per
    block); one Allgatherv.  Used for printing summaries and single items,
    so only the selected elements move.
    """
    dist = d.distribution
    sels = [np.asarray(s, dtype=np.int64) for s in selections]
    def owned(rank: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        rows, pos = [], []
        for axis, sel in enumerate(sels):
            m = dist.maps[axis]
            mine = m.owners(sel) == dist.axis_coord(axis, rank) if dist.axis_grid[axis] is not None else np.ones(sel.size, bool)
            rows.append(np.flatnonzero(mine))
            pos.append(m.local_positions(sel[mine]))
        return rows, pos

    rows, pos = owned(dist.rank)
    contributes = replica_info(dist, dist.rank)[0] == 0
    piece = d.local[np.ix_(*pos)] if (contributes and all(p.size for p in pos)) else np.empty(0, d.dtype)
    pieces = _comm.allgather_array(d.comm, piece.reshape(-1)) if d.comm.Get_size() > 1 else [piece.reshape(-1)]
    out = np.empty(tuple(s.size for s in sels), dtype=d.dtype)
    for r, flat in enumerate(pieces):
        if flat.size:
            rrows, _ = owned(r)
            out[np.ix_(*rrows)] = flat.reshape(tuple(x.size for x in rrows))
    return out


def element(d: DistArray, index: tuple[int, ...]) -> np.generic:
    """One element by global index (negative allowed), on every rank."""
    if len(index) != d.ndim:
        raise IndexError(f"{len(index)} indices given for a {d.ndim}-dimensional array")
    norm = []
    for axis, (i, n) in enumerate(zip(index, d.shape)):
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of bounds for axis {axis} with size {n}")
        norm.append(np.array([i % n]))
    return gather_selection(d, norm).reshape(())[()]


# --------------------------------------------------------------------------
# From shapes and functions
# --------------------------------------------------------------------------


# --- the shape constructors: one row each (name, NumPy's block maker, what the elements are) ---

def _shape_constructor(name: str, make_block: Callable[..., np.ndarray], elements: str) -> Callable[..., DistArray]:
    """``nd.empty``/``nd.zeros``/``nd.ones``: NumPy's constructor applied to this rank's block."""

    def construct(shape: Any, dtype: Any = float, order: str = "C", *, dist: Any = None, grid_shape: Any = None,
                  comm: MPI.Intracomm | None = None, device: Any = None) -> DistArray:
        dt = check_dtype(dtype)  # NumPy checks the dtype before the shape
        target = resolve_distribution(normalize_shape(shape), dist, grid_shape, comm)
        return DistArray._new(make_block(target.local_shape, dtype=dt), target)

    construct.__name__ = construct.__qualname__ = name
    # the values are shown for zeros and ones, not for uninitialised memory
    values = "" if name == "empty" else f"""
    >>> nd.asnumpy(nd.{name}(2, dtype=int)).tolist()
    {[int(make_block(2)[0])] * 2}"""
    construct.__doc__ = fill_shared(f"""A DistArray of {elements} of the given shape, like ``np.{name}``.

    Parameters
    ----------
    shape : int or tuple of int
        Global shape.
    dtype : data-type, optional
        Element type (default float64).
    order : {{'C', 'F'}}, optional
        Accepted for NumPy compatibility; local blocks are C-ordered.
    {{dist}}
    {{grid_shape}}
    {{comm}}
    device : object, optional
        Accepted for the array API; ignored (the CPU).

    Returns
    -------
    DistArray
        The new array; each rank allocates only its block.

    Raises
    ------
    TypeError
        If ``dtype`` is not a supported dtype or ``shape`` holds non-integers.
    ValueError
        If ``shape`` is negative, or ``dist``/``grid_shape``/``comm`` do not
        fit the shape.

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> d = nd.{name}((4, 3), dist=("b", "n"))
    >>> d.shape, d.dtype, d.dist
    ((4, 3), dtype('float64'), ('b', 'n')){values}
    """)
    return collective(name)(construct)


empty = _shape_constructor("empty", np.empty, "uninitialised elements")
zeros = _shape_constructor("zeros", np.zeros, "zeros")
ones = _shape_constructor("ones", np.ones, "ones")


@collective()
@shared_parameters
def full(shape: Any, fill_value: Any, dtype: Any = None, order: str = "C", *, dist: Any = None,
         grid_shape: Any = None, comm: MPI.Intracomm | None = None, device: Any = None) -> DistArray:
    """A DistArray filled with ``fill_value``, like ``np.full``.

    Parameters
    ----------
    shape : int or tuple of int
        Global shape.
    fill_value : scalar, array_like or DistArray
        The value, broadcast to ``shape``.
    dtype : data-type, optional
        Element type (default: the dtype of ``fill_value``).
    order : {'C', 'F'}, optional
        Accepted for NumPy compatibility; local blocks are C-ordered.
    {dist}
    {grid_shape}
    {comm}
    device : object, optional
        Accepted for the array API; ignored (the CPU).

    Returns
    -------
    DistArray
        The filled array.

    Raises
    ------
    TypeError
        If ``dtype`` or ``shape`` is invalid.
    ValueError
        If ``shape`` is negative, ``fill_value`` does not broadcast, or the
        layout does not fit the shape.

    Notes
    -----
    Communication: none (a DistArray ``fill_value`` may be redistributed).

    Examples
    --------
    >>> import numpy_dist as nd
    >>> d = nd.full((2, 3), 7)
    >>> d.shape, d.dtype
    ((2, 3), dtype('int64'))
    >>> nd.asnumpy(d).tolist()
    [[7, 7, 7], [7, 7, 7]]
    """
    # NumPy's order: the dtype (given, or the fill value's), then the shape, then the fill conversion.
    if dtype is None:
        dtype = fill_value.dtype if isinstance(fill_value, DistArray) else np.asarray(fill_value).dtype
    dt = check_dtype(dtype)
    target = resolve_distribution(normalize_shape(shape), dist, grid_shape, comm)
    return DistArray._new(_filled_block(target, fill_value, dt), target)


def _filled_block(target: Distribution, fill_value: Any, dt: np.dtype) -> np.ndarray:
    """This rank's block of ``target`` set to ``fill_value`` as NumPy's ``full`` sets it (``copyto``,
    unsafe casting, broadcasting). The whole fill value is converted and broadcast-checked on every
    rank, so a rank with an empty block raises like the others."""
    if isinstance(fill_value, DistArray):
        np.broadcast_to(shape_standin(fill_value.shape), target.shape)  # NumPy's ValueError if not
        value = fill_value
    elif target.size == 0:  # NumPy's copyto into an empty array, which costs nothing: exactly its checks
        np.copyto(np.empty(target.shape, dt), fill_value, casting="unsafe")
        value = np.empty((), dt)
    else:
        value = np.empty(np.shape(fill_value), dt)
        np.copyto(value, fill_value, casting="unsafe")  # NumPy's conversion errors (OverflowError, ...)
        np.broadcast_to(value, target.shape)
    block = np.empty(target.local_shape, dt)
    block[...] = aligned_block(value, target)
    return block


def _like(proto: Any, shape: Any, dist: Any, grid_shape: Any, comm: Any) -> tuple[tuple, Any, Any]:
    if isinstance(proto, DistArray):
        shp = proto.shape if shape is None else normalize_shape(shape)
        if dist is None and grid_shape is None and shp == proto.shape:
            return shp, proto.distribution, None
        return shp, dist, comm if comm is not None else proto.comm
    return (np.shape(proto) if shape is None else normalize_shape(shape)), dist, comm


def _like_dtype(proto: Any, dtype: Any) -> Any:
    return dtype if dtype is not None else np.asarray(proto.local if isinstance(proto, DistArray) else proto).dtype


@collective()
@shared_parameters
def empty_like(prototype: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None, *,
               dist: Any = None, grid_shape: Any = None, comm: Any = None, device: Any = None) -> DistArray:
    """An uninitialised DistArray with the shape and (by default) the layout of ``prototype``.

    Parameters
    ----------
    prototype : DistArray or array_like
        Gives the shape, the dtype and (for a DistArray) the distribution.
    dtype : data-type, optional
        Overrides the dtype of ``prototype``.
    order : {'K', 'C', 'F', 'A'}, optional
        Accepted for NumPy compatibility; local blocks are C-ordered.
    subok : bool, optional
        Accepted for NumPy compatibility; the result is a DistArray.
    shape : int or tuple of int, optional
        Overrides the shape (the layout then defaults to block along axis 0).
    {dist}
    {grid_shape}
    {comm}
    device : object, optional
        Accepted for the array API; ignored (the CPU).

    Returns
    -------
    DistArray
        An array whose values are whatever memory held.

    Raises
    ------
    TypeError
        If ``dtype`` is not a supported dtype.
    ValueError
        If the layout does not fit the shape.

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> e = nd.empty_like(nd.asarray(np.arange(6.0), dist="c"))
    >>> e.shape, e.dtype, e.dist
    ((6,), dtype('float64'), ('c',))
    """
    dt = check_dtype(_like_dtype(prototype, dtype))  # NumPy checks the dtype before the shape
    shp, dd, c = _like(prototype, shape, dist, grid_shape, comm)
    return empty(shp, dt, dist=dd, grid_shape=grid_shape if dd is None or not isinstance(dd, Distribution) else None, comm=c)


def _like_constructor(name: str, value: Any, elements: str) -> Callable[..., DistArray]:
    """``nd.zeros_like``/``nd.ones_like``: ``empty_like`` then the value written into each block."""

    def construct(prototype: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None, *,
                  dist: Any = None, grid_shape: Any = None, comm: Any = None, device: Any = None) -> DistArray:
        out = empty_like(prototype, dtype, shape=shape, dist=dist, grid_shape=grid_shape, comm=comm)
        # NumPy's zeros_like copies a zero *element* of the dtype (empty strings in a record), not the integer 0
        out.local[...] = np.zeros((), out.dtype) if value == 0 else value
        return out

    construct.__name__ = construct.__qualname__ = name
    construct.__doc__ = fill_shared(f"""{elements} with the shape and (by default) the layout of ``prototype``.

    Parameters
    ----------
    prototype : DistArray or array_like
        Gives the shape, the dtype and (for a DistArray) the distribution.
    dtype : data-type, optional
        Overrides the dtype of ``prototype``.
    order : {{'K', 'C', 'F', 'A'}}, optional
        Accepted for NumPy compatibility; local blocks are C-ordered.
    subok : bool, optional
        Accepted for NumPy compatibility; the result is a DistArray.
    shape : int or tuple of int, optional
        Overrides the shape (the layout then defaults to block along axis 0).
    {{dist}}
    {{grid_shape}}
    {{comm}}
    device : object, optional
        Accepted for the array API; ignored (the CPU).

    Returns
    -------
    DistArray
        The new array.

    Raises
    ------
    TypeError
        If ``dtype`` is not a supported dtype.
    ValueError
        If the layout does not fit the shape.

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> d = nd.{name}(nd.asarray(np.arange(4.0)))
    >>> d.dist
    ('b',)
    >>> nd.asnumpy(d).tolist()
    {[float(value)] * 4}
    """)
    return collective(name)(construct)


zeros_like = _like_constructor("zeros_like", 0, "Zeros")
ones_like = _like_constructor("ones_like", 1, "Ones")


@collective()
@shared_parameters
def full_like(prototype: Any, fill_value: Any, dtype: Any = None, order: str = "K", subok: bool = True,
              shape: Any = None, *, dist: Any = None, grid_shape: Any = None, comm: Any = None,
              device: Any = None) -> DistArray:
    """``fill_value`` with the shape and (by default) the layout of ``prototype``.

    Parameters
    ----------
    prototype : DistArray or array_like
        Gives the shape, the dtype and (for a DistArray) the distribution.
    fill_value : scalar or array_like
        The value, broadcast to the shape.
    dtype : data-type, optional
        Overrides the dtype of ``prototype``.
    order : {'K', 'C', 'F', 'A'}, optional
        Accepted for NumPy compatibility; local blocks are C-ordered.
    subok : bool, optional
        Accepted for NumPy compatibility; the result is a DistArray.
    shape : int or tuple of int, optional
        Overrides the shape.
    {dist}
    {grid_shape}
    {comm}
    device : object, optional
        Accepted for the array API; ignored (the CPU).

    Returns
    -------
    DistArray
        The filled array.

    Raises
    ------
    TypeError
        If ``dtype`` is not a supported dtype.
    ValueError
        If ``fill_value`` does not broadcast to the shape, or the layout does
        not fit it.

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> nd.asnumpy(nd.full_like(nd.asarray(np.arange(3)), 5)).tolist()
    [5, 5, 5]
    """
    out = empty_like(prototype, dtype, shape=shape, dist=dist, grid_shape=grid_shape, comm=comm)
    out.local[...] = _filled_block(out.distribution, fill_value, out.dtype)
    return out


def _local_grids(target: Distribution, dtype: Any) -> list[np.ndarray]:
    idx = [target.local_indices(a).astype(dtype) for a in range(target.ndim)]
    return list(np.meshgrid(*idx, indexing="ij", sparse=False)) if idx else []


@collective()
@shared_parameters
def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None, *, dist: Any = None,
           grid_shape: Any = None, comm: MPI.Intracomm | None = None, device: Any = None) -> DistArray:
    """Evenly spaced values in ``[start, stop)``, like ``np.arange``.

    Each rank computes only its part; values equal NumPy's bit for bit
    (``start + i * delta``, as NumPy fills).

    Parameters
    ----------
    start : int, float or complex
        First value, or ``stop`` when ``stop`` is not given (then start is 0).
    stop : int, float or complex, optional
        End of the interval (excluded).
    step : int, float or complex, optional
        Spacing (default 1).
    dtype : data-type, optional
        Element type (default: NumPy's choice from the arguments).
    {dist}
    {grid_shape}
    {comm}
    device : object, optional
        Accepted for the array API; ignored (the CPU).

    Returns
    -------
    DistArray
        A 1-d array of ``ceil((stop - start) / step)`` values.

    Raises
    ------
    ZeroDivisionError
        If ``step`` is 0.
    TypeError
        If ``dtype`` is not a supported dtype.

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.asnumpy(nd.arange(1, 10, 3)).tolist()
    [1, 4, 7]
    >>> nd.arange(5.0).shape
    (5,)
    """
    if dtype is not None:
        check_dtype(dtype)  # NumPy converts the dtype before looking at the values (step 0, ...)
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if step == 0:
        raise ZeroDivisionError("step must not be zero")
    # NumPy's own dtype rules on a probe of at most one element (no real data).
    dt = check_dtype(np.arange(start, type(stop)(start), step, dtype=dtype).dtype)
    if all(isinstance(v, int) for v in (start, stop, step)):
        n = len(range(start, stop, step))
    else:
        span = (stop - start) / step
        n = int(np.ceil(min(span.real, span.imag))) if isinstance(span, complex) else int(np.ceil(span))
    target = resolve_distribution((max(n, 0),), dist, grid_shape, comm)
    gidx = target.local_indices(0)
    if dt == np.bool_:  # NumPy's bool arange has at most 2 elements (else TypeError): take NumPy's own
        return DistArray._new(np.arange(start, stop, step, dtype=dtype)[gidx], target)
    # As NumPy fills: a[0] = start, a[1] = start + step, a[i] = a[0] + i * (a[1] - a[0]).
    first, second = np.asarray(start).astype(dt), np.asarray(start + step).astype(dt)
    local = first + gidx.astype(dt) * (second - first)
    local[gidx == 0] = first
    local[gidx == 1] = second
    return DistArray._new(local, target)


@collective()
@shared_parameters
def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0, *, dist: Any = None, grid_shape: Any = None,
             comm: MPI.Intracomm | None = None, device: Any = None) -> Any:
    """Evenly spaced numbers over an interval (scalar ``start``/``stop``), equal to ``np.linspace``.

    Parameters
    ----------
    start : scalar
        First value.
    stop : scalar
        Last value (included when ``endpoint``).
    num : int, optional
        Number of samples (default 50).
    endpoint : bool, optional
        Whether ``stop`` is the last sample (default True).
    retstep : bool, optional
        Also return the spacing.
    dtype : data-type, optional
        Element type (default: floating, from ``start`` and ``stop``).
    axis : int, optional
        Only 0 (or -1): the result is 1-d.
    {dist}
    {grid_shape}
    {comm}
    device : object, optional
        Accepted for the array API; ignored (the CPU).

    Returns
    -------
    samples : DistArray
        ``num`` samples.
    step : float
        The spacing, only when ``retstep`` is True.

    Raises
    ------
    ValueError
        If ``num`` is negative.
    NotImplementedError
        If ``start`` or ``stop`` is not a scalar.
    numpy.exceptions.AxisError
        If ``axis`` is out of range for the 1-d result.

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.asnumpy(nd.linspace(0, 1, 5)).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    >>> float(nd.linspace(0, 1, 5, retstep=True)[1])
    0.25
    """
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    if np.ndim(start) or np.ndim(stop):
        raise NotImplementedError("numpy_dist.linspace supports scalar start and stop")
    normalize_axis_index(axis, 1)  # NumPy moves the sample axis to ``axis`` (AxisError beyond the one axis)
    div = (num - 1) if endpoint else num
    dt = np.result_type(start, stop, 1.0)
    start_a, stop_a = np.asarray(start, dtype=dt), np.asarray(stop, dtype=dt)
    delta = np.subtract(stop_a, start_a)
    target = resolve_distribution((num,), dist, grid_shape, comm)
    y = target.local_indices(0).astype(dt)
    step = delta / div if div > 0 else np.nan
    if div > 0:
        if step == 0:
            y = y / div * delta
        else:
            y = y * step
    else:
        y = y * delta
    y += start_a
    if endpoint and num > 1:
        last = np.flatnonzero(target.local_indices(0) == num - 1)
        y[last] = stop_a
    out_dt = dt if dtype is None else check_dtype(dtype)
    if np.issubdtype(out_dt, np.integer):
        np.floor(y, out=y)
    out = DistArray._new(y.astype(out_dt, copy=False), target)
    return (out, step) if retstep else out


@collective()
@shared_parameters
def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: Any = 10.0, dtype: Any = None,
             axis: int = 0, *, dist: Any = None, grid_shape: Any = None, comm: MPI.Intracomm | None = None) -> DistArray:
    """``base ** linspace(start, stop)`` (scalar ``start``/``stop``/``base``), equal to ``np.logspace``.

    Parameters
    ----------
    start : scalar
        ``base ** start`` is the first value.
    stop : scalar
        ``base ** stop`` is the last value (when ``endpoint``).
    num : int, optional
        Number of samples (default 50).
    endpoint : bool, optional
        Whether ``base ** stop`` is included (default True).
    base : scalar, optional
        The base of the powers (default 10.0).
    dtype : data-type, optional
        Element type.
    axis : int, optional
        Only 0 (or -1): the result is 1-d.
    {dist}
    {grid_shape}
    {comm}

    Returns
    -------
    DistArray
        ``num`` samples, evenly spaced on a log scale.

    Raises
    ------
    ValueError
        If ``num`` is negative.
    NotImplementedError
        If ``start``, ``stop`` or ``base`` is not a scalar.

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.asnumpy(nd.logspace(0, 2, 3)).tolist()
    [1.0, 10.0, 100.0]
    """
    if np.ndim(base):
        raise NotImplementedError("numpy_dist.logspace supports a scalar base")
    y = linspace(start, stop, num, endpoint, axis=axis, dist=dist, grid_shape=grid_shape, comm=comm)
    local = np.power(base, y.local)  # a Python base stays weak (NEP 50), as in NumPy
    if dtype is not None:
        local = local.astype(check_dtype(dtype), copy=False)
    return DistArray._new(local, y.distribution)


@collective()
@shared_parameters
def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None, axis: int = 0, *,
              dist: Any = None, grid_shape: Any = None, comm: MPI.Intracomm | None = None) -> DistArray:
    """A geometric progression from ``start`` to ``stop`` (scalars), equal to ``np.geomspace``.

    Parameters
    ----------
    start : scalar
        First value (not zero).
    stop : scalar
        Last value (not zero; included when ``endpoint``).
    num : int, optional
        Number of samples (default 50).
    endpoint : bool, optional
        Whether ``stop`` is the last sample (default True).
    dtype : data-type, optional
        Element type.
    axis : int, optional
        Only 0 (or -1): the result is 1-d.
    {dist}
    {grid_shape}
    {comm}

    Returns
    -------
    DistArray
        ``num`` samples with a constant ratio.

    Raises
    ------
    ValueError
        If ``start`` or ``stop`` is zero, or ``num`` is negative.
    NotImplementedError
        If ``start`` or ``stop`` is not a scalar.

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.asnumpy(nd.geomspace(1, 1000, 4)).tolist()
    [1.0, 10.0, 100.0, 1000.0]
    """
    if np.ndim(start) or np.ndim(stop):
        raise NotImplementedError("numpy_dist.geomspace supports scalar start and stop")
    start, stop = np.asanyarray(start), np.asanyarray(stop)
    if start == 0 or stop == 0:
        raise ValueError("Geometric sequence cannot include zero")
    dt = np.result_type(start, stop, float(num), np.zeros((), dtype))
    out_dt = dt if dtype is None else check_dtype(dtype)
    # NumPy rotates start to the positive real axis, works in log10, then undoes the rotation.
    start, stop = start.astype(dt), stop.astype(dt)
    out_sign = np.sign(start)
    start, stop = start / out_sign, stop / out_sign
    y = logspace(np.log10(start), np.log10(stop), num, endpoint, 10.0, dt, axis=axis, dist=dist,
                 grid_shape=grid_shape, comm=comm)
    local, gidx = y.local, y.distribution.local_indices(0)
    local[gidx == 0] = start  # the endpoints exactly, as NumPy sets them (exp(log(x)) may differ from x)
    if endpoint and num > 1:
        local[gidx == num - 1] = stop
    local *= out_sign
    return DistArray._new(local.astype(out_dt, copy=False), y.distribution)


@collective()
@shared_parameters
def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = float, order: str = "C", *, dist: Any = None,
        grid_shape: Any = None, comm: MPI.Intracomm | None = None, device: Any = None) -> DistArray:
    """A 2-d DistArray with ones on the ``k``-th diagonal and zeros elsewhere.

    Parameters
    ----------
    N : int
        Number of rows.
    M : int, optional
        Number of columns (default ``N``).
    k : int, optional
        The diagonal: 0 the main one, positive above, negative below.
    dtype : data-type, optional
        Element type (default float64).
    order : {'C', 'F'}, optional
        Accepted for NumPy compatibility; local blocks are C-ordered.
    {dist}
    {grid_shape}
    {comm}
    device : object, optional
        Accepted for the array API; ignored (the CPU).

    Returns
    -------
    DistArray
        The ``N`` x ``M`` array.

    Raises
    ------
    TypeError
        If ``dtype`` is not a supported dtype or ``N``/``M`` are not integers.
    ValueError
        If ``N`` or ``M`` is negative, or the layout does not fit the shape.

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.asnumpy(nd.eye(2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    >>> nd.asnumpy(nd.eye(2, 3, k=1, dtype=int)).tolist()
    [[0, 1, 0], [0, 0, 1]]
    """
    dt = check_dtype(dtype)  # NumPy checks the dtype before the shape
    M = N if M is None else M
    target = resolve_distribution(normalize_shape((N, M)), dist, grid_shape, comm)
    rows, cols = target.local_indices(0), target.local_indices(1)
    local = (cols[None, :] - rows[:, None] == k).astype(dt)
    return DistArray._new(local, target)


@collective()
@shared_parameters
def identity(n: int, dtype: Any = float, *, dist: Any = None, grid_shape: Any = None,
             comm: MPI.Intracomm | None = None) -> DistArray:
    """The ``n`` x ``n`` identity matrix.

    Parameters
    ----------
    n : int
        Number of rows and columns.
    dtype : data-type, optional
        Element type (default float64).
    {dist}
    {grid_shape}
    {comm}

    Returns
    -------
    DistArray
        Ones on the diagonal, zeros elsewhere.

    Raises
    ------
    TypeError
        If ``dtype`` is not a supported dtype.
    ValueError
        If ``n`` is negative, or the layout does not fit the shape.

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.asnumpy(nd.identity(2, dtype=int)).tolist()
    [[1, 0], [0, 1]]
    """
    return eye(n, dtype=dtype, dist=dist, grid_shape=grid_shape, comm=comm)


@collective()
@shared_parameters
def fromfunction(function: Callable, shape: Any, *, dtype: Any = float, dist: Any = None,
                 grid_shape: Any = None, comm: MPI.Intracomm | None = None, **kwargs: Any) -> DistArray:
    """Call ``function`` on the global index grids of each rank's block.

    As ``np.fromfunction``: ``function(*index_grids, **kwargs)`` receives
    arrays of global indices of dtype ``dtype``; here each rank passes only
    its block's indices, so the function must be elementwise.

    Parameters
    ----------
    function : callable
        Called with one index array per axis (and ``kwargs``); returns the
        values, or something that broadcasts to the block.
    shape : int or tuple of int
        Global shape.
    dtype : data-type, optional
        dtype of the index arrays (default float64).
    {dist}
    {grid_shape}
    {comm}
    **kwargs
        Passed to ``function``.

    Returns
    -------
    DistArray
        The values ``function`` computed.

    Raises
    ------
    Exception
        Whatever ``function`` raises on any rank, raised on every rank.
    TypeError
        If ``dtype`` or the function result's dtype is not supported.

    Notes
    -----
    Communication: one small agreement on the outcome of ``function``.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.asnumpy(nd.fromfunction(lambda i, j: i + j, (2, 2))).tolist()
    [[0.0, 1.0], [1.0, 2.0]]
    """
    check_dtype(dtype)  # NumPy checks the dtype before the shape (np.indices allocates first)
    target = resolve_distribution(normalize_shape(shape), dist, grid_shape, comm)
    # NumPy builds the grids with np.indices (arange per axis): its dtype checks (a bool grid longer
    # than 2 is a TypeError) on a probe of at most 3 per axis, identical on every rank
    np.indices(tuple(min(n, 3) for n in target.shape), dtype=dtype)
    with _comm.agreed(target.comm):
        local = np.asarray(function(*_local_grids(target, dtype), **kwargs))
        if local.shape != target.local_shape:
            local = np.broadcast_to(local, target.local_shape).copy()
        check_dtype(local.dtype, "function result dtype")
    return DistArray._new(local, target)


install_array_hooks(asnumpy=asnumpy, element=element, redistribute=redistribute)
