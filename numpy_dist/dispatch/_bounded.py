"""Local reductions of file-mapped blocks in bounded chunks, dropping the pages each chunk touched.

A block loaded with ``nd.load(path, mmap_mode=...)`` is a view of a file
mapping (:mod:`numpy_dist.io.memmap`).  Reading it pulls its pages into the
process's resident memory, and they stay counted there until the mapping
drops them: reducing a 2 GiB mapped block in one ``ufunc.reduce`` would make
the rank 2 GiB resident.  :func:`reduce_local` reduces such a block in
chunks of about :data:`CHUNK_BYTES` along its first axis, combines the
chunks' partial results with the same ufunc, and after each chunk tells the
kernel to drop the chunk's pages (``madvise(MADV_DONTNEED)``: clean pages of
a shared or read-only mapping are simply read again if touched later; dirty
pages of a shared mapping are already in the page cache, which writes them
back).  A copy-on-write mapping (``mmap_mode="c"``) keeps its pages: dropping
would discard the changes.  Blocks in ordinary memory take NumPy's one call.
"""

from __future__ import annotations

import mmap
from typing import Any

import numpy as np

__all__ = ["CHUNK_BYTES", "file_mapping", "drop_pages", "reduce_local", "row_chunks", "call_local"]

#: Bytes of a mapped block a reduction touches before dropping them again.
CHUNK_BYTES = 8 << 20


def file_mapping(a: np.ndarray) -> np.memmap | None:
    """The ``np.memmap`` whose file mapping ``a`` views, or None for ordinary memory."""
    b: Any = a
    while b is not None:
        # The array made on the mapping itself (views copy its ``offset`` but not its address).
        if isinstance(b, np.memmap) and isinstance(b.base, mmap.mmap):
            return b
        b = getattr(b, "base", None)
    return None


def drop_pages(chunk: np.ndarray, mapped: np.memmap) -> None:
    """Let the kernel drop the pages under ``chunk`` (a view of ``mapped``) from resident memory."""
    if mapped.mode == "c" or chunk.size == 0 or not hasattr(mmap, "MADV_DONTNEED"):
        return  # copy-on-write pages would lose their changes
    start = mapped.ctypes.data - mapped.offset % mmap.ALLOCATIONGRANULARITY  # address of the mapping
    low, high = np.lib.array_utils.byte_bounds(chunk)
    first = (low - start) // mmap.PAGESIZE * mmap.PAGESIZE
    last = min(len(mapped._mmap), high - start)
    if last > first:
        mapped._mmap.madvise(mmap.MADV_DONTNEED, first, last - first)


def row_chunks(a: np.ndarray, chunk_bytes: int | None = None) -> list[slice]:
    """Slices of ``a``'s first axis holding about ``chunk_bytes`` (default :data:`CHUNK_BYTES`) each (at least one row)."""
    if a.ndim == 0 or a.shape[0] == 0:
        return [slice(None)]
    chunk_bytes = CHUNK_BYTES if chunk_bytes is None else chunk_bytes  # read now: tests make chunks small
    row = max(1, a[:1].nbytes)
    step = max(1, chunk_bytes // row)
    return [slice(i, min(i + step, a.shape[0])) for i in range(0, a.shape[0], step)]


def reduce_local(ufunc: np.ufunc, local: np.ndarray, opts: dict, associative: bool) -> np.ndarray:
    """``ufunc.reduce(local, **opts)`` (``opts`` has ``keepdims=True``), chunked when ``local`` is mapped.

    Chunks run along axis 0: when axis 0 is reduced, the partials are
    reduced again with ``ufunc`` (only for an associative one; ``initial``
    goes to the first chunk); otherwise the chunks' results are stacked.
    """
    mapped = file_mapping(local)
    axes = opts.get("axis")
    axes = tuple(range(local.ndim)) if axes is None else tuple(np.atleast_1d(axes))
    chunks = row_chunks(local)
    if mapped is None or len(chunks) == 1 or "where" in opts or (0 in axes and not associative):
        return np.asarray(ufunc.reduce(local, **opts))
    partials = []
    for i, rows in enumerate(chunks):
        chunk = local[rows]
        kw = opts if i == 0 else {k: v for k, v in opts.items() if k != "initial"}
        partials.append(np.asarray(ufunc.reduce(chunk, **kw)))
        drop_pages(chunk, mapped)
    stacked = np.concatenate(partials, axis=0)
    if 0 not in axes:
        return stacked
    return np.asarray(ufunc.reduce(stacked, axis=0, dtype=stacked.dtype, keepdims=True))


def call_local(ufunc: np.ufunc, blocks: list, kwargs: dict) -> Any:
    """``ufunc(*blocks, **kwargs)``, in row chunks when a block or an ``out`` block is file-mapped.

    Each chunk's mapped pages are dropped after it, so a rank's resident memory stays about one chunk per
    mapped array above its baseline plus the result (nothing, for a mapped ``out``).  The blocks are
    aligned already; a block that spans the result's first axis is cut with it, one that broadcasts along
    it (length 1, fewer dimensions, a scalar) is passed whole.  Chunking changes nothing in the values:
    a ufunc call is elementwise.
    """
    outs = kwargs.get("out") or ()
    arrays = [b for b in blocks if isinstance(b, np.ndarray)] + [o for o in outs if o is not None]
    mapped = [(b, m) for b, m in ((b, file_mapping(b)) for b in arrays) if m is not None]
    if not mapped:  # (the common case: checked first, it costs a few attribute reads per block)
        return ufunc(*blocks, **kwargs)
    shape = np.broadcast_shapes(*[np.shape(b) for b in arrays])
    if not shape or shape[0] <= 1:
        return ufunc(*blocks, **kwargs)
    widest = max(arrays, key=lambda b: b.dtype.itemsize)
    chunks = row_chunks(np.broadcast_to(widest, shape))
    if len(chunks) == 1:
        return ufunc(*blocks, **kwargs)

    def cut(x: Any, rows: slice) -> Any:
        spans = isinstance(x, np.ndarray) and x.ndim == len(shape) and x.shape[0] == shape[0]
        return x[rows] if spans else x

    where = kwargs.get("where", True)
    results: list | None = [o for o in outs] if outs else None
    for rows in chunks:
        kw = dict(kwargs)
        if where is not True:
            kw["where"] = cut(where, rows)
        if results is not None and all(r is not None for r in results):
            kw["out"] = tuple(cut(r, rows) for r in results)
            ufunc(*[cut(b, rows) for b in blocks], **kw)
        else:  # the first chunk tells the result dtypes: the whole results are allocated then
            kw.pop("out", None)
            got = ufunc(*[cut(b, rows) for b in blocks], **kw)
            got = got if isinstance(got, tuple) else (got,)
            results = [r if r is not None else np.empty(shape, g.dtype) for r, g in zip(results or [None] * len(got), got)]
            for r, g in zip(results, got):
                r[rows] = g
        for b, m in mapped:
            drop_pages(cut(b, rows), m)
    return tuple(results) if ufunc.nout > 1 else results[0]
