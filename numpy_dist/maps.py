"""One-dimensional maps: which grid coordinate owns which global index.

Pure, vectorised index arithmetic; no MPI.  A map describes one array axis
distributed over ``grid_size`` processes (one dimension of the process grid):

* ``'b'`` :class:`BlockMap` -- contiguous blocks given by ``bounds``;
* ``'c'`` :class:`CyclicMap` -- cyclic, or block-cyclic with ``block_size``;
* ``'u'`` :class:`UnstructuredMap` -- explicit global indices per process;
* ``'n'`` :class:`NoDistMap` -- not distributed (``grid_size`` 1).

The element at local position ``j`` of grid coordinate ``p`` along this axis
has global index ``local_indices(p)[j]``.  Maps are immutable and hashable,
so distributions built from them can key caches (redistribution plans).
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["Map", "BlockMap", "CyclicMap", "UnstructuredMap", "NoDistMap", "map_from_global_dim_dict", "DIST_TYPES"]

DIST_TYPES = ("b", "c", "u", "n")

_INDEX = np.int64


def check_size(value: Any, name: str = "size") -> int:
    """Validate a non-negative integer size (TypeError / ValueError naming ``name``)."""
    if type(value) is int and value >= 0:  # the common case, first: maps are made for every view and result
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a non-negative integer, got {value!r}")
    value = int(value)
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value}")
    return value


@functools.lru_cache(maxsize=1024)
def _even_bounds(size: int, grid_size: int) -> np.ndarray:
    """The block bounds of NumPy's ``array_split`` (the first ``size % grid_size`` blocks one longer); read-only,
    shared by the maps that use them."""
    base, extra = divmod(size, grid_size)
    lengths = np.full(grid_size, base, dtype=_INDEX)
    lengths[:extra] += 1
    b = np.zeros(grid_size + 1, dtype=_INDEX)
    np.cumsum(lengths, out=b[1:])
    b.setflags(write=False)
    return b


class Map:
    """Base class of the one-dimensional maps."""

    dist_type: str = "?"
    size: int
    grid_size: int

    # -- per-process layout -------------------------------------------------
    def local_indices(self, p: int) -> np.ndarray:
        """Global indices held by grid coordinate ``p``, in local order."""
        raise NotImplementedError

    def local_size(self, p: int) -> int:
        """Number of indices held by grid coordinate ``p``."""
        return int(self.local_indices(p).size)

    def local_sizes(self) -> np.ndarray:
        """``local_size(p)`` for every grid coordinate."""
        return np.array([self.local_size(p) for p in range(self.grid_size)], dtype=_INDEX)

    def local_slice(self, p: int) -> slice | None:
        """The global indices of ``p`` as a slice when they form one, else None."""
        return None

    # -- vectorised global -> owner / local position ---------------------------
    def owners(self, gidx: np.ndarray) -> np.ndarray:
        """Grid coordinate owning each (in-range, non-negative) global index."""
        raise NotImplementedError

    def local_positions(self, gidx: np.ndarray) -> np.ndarray:
        """Position of each global index within its owner's local block."""
        raise NotImplementedError

    # -- Distributed Array Protocol ---------------------------------------------
    def dim_dict(self, p: int) -> dict:
        """The per-process ``dim_data`` dictionary of the Distributed Array Protocol."""
        raise NotImplementedError

    def global_dim_dict(self) -> dict:
        """The seed's ``global_dim_data`` dictionary (full description of the map)."""
        raise NotImplementedError

    # -- identity -----------------------------------------------------------------
    def _key(self) -> tuple:
        raise NotImplementedError

    def identity(self) -> tuple:
        """Everything that defines the map (computed once: maps are immutable)."""
        key = self.__dict__.get("_identity")
        if key is None:
            key = self.__dict__["_identity"] = (type(self).__name__,) + self._key()
        return key

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, Map) and self.identity() == other.identity())

    def __hash__(self) -> int:
        return hash(self.identity())

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, grid_size={self.grid_size})"


class NoDistMap(Map):
    """An axis that is not distributed: every process holds all of it."""

    dist_type = "n"

    def __init__(self, size: int):
        self.size = check_size(size)
        self.grid_size = 1

    def local_indices(self, p: int) -> np.ndarray:
        return np.arange(self.size, dtype=_INDEX)

    def local_size(self, p: int) -> int:
        return self.size

    def local_slice(self, p: int) -> slice:
        return slice(0, self.size)

    def owners(self, gidx: np.ndarray) -> np.ndarray:
        return np.zeros(np.shape(gidx), dtype=_INDEX)

    def local_positions(self, gidx: np.ndarray) -> np.ndarray:
        return np.asarray(gidx, dtype=_INDEX)

    def dim_dict(self, p: int) -> dict:
        return {"dist_type": "n", "size": self.size, "proc_grid_size": 1, "proc_grid_rank": 0}

    def global_dim_dict(self) -> dict:
        return {"dist_type": "n", "size": self.size}

    def _key(self) -> tuple:
        return (self.size,)


class BlockMap(Map):
    """Contiguous blocks: grid coordinate ``p`` holds ``[bounds[p], bounds[p+1])``.

    ``bounds`` defaults to the even split NumPy's ``array_split`` makes (the
    first ``size % grid_size`` blocks one longer).  ``comm_padding`` and
    ``boundary_padding`` are the seed's halo widths; they are recorded and
    exported in ``dim_data`` (halo exchange uses them explicitly).
    """

    dist_type = "b"

    def __init__(self, size: int, grid_size: int, bounds: Sequence[int] | None = None,
                 comm_padding: int = 0, boundary_padding: int = 0):
        self.size = check_size(size)
        self.grid_size = check_size(grid_size, "grid_size")
        if self.grid_size < 1:
            raise ValueError("grid_size must be at least 1")
        if bounds is None:
            b = _even_bounds(self.size, self.grid_size)
        else:
            b = _check_bounds(bounds, self.size, self.grid_size)
            b.setflags(write=False)
        self.bounds = b
        self.comm_padding = check_size(comm_padding or 0, "comm_padding")
        self.boundary_padding = check_size(boundary_padding or 0, "boundary_padding")

    def local_indices(self, p: int) -> np.ndarray:
        return np.arange(self.bounds[p], self.bounds[p + 1], dtype=_INDEX)

    def local_size(self, p: int) -> int:
        return int(self.bounds[p + 1] - self.bounds[p])

    def local_sizes(self) -> np.ndarray:
        return np.diff(self.bounds)

    def local_slice(self, p: int) -> slice:
        return slice(int(self.bounds[p]), int(self.bounds[p + 1]))

    def owners(self, gidx: np.ndarray) -> np.ndarray:
        # side='right' skips empty blocks (repeated bounds) correctly.
        return np.searchsorted(self.bounds, gidx, side="right").astype(_INDEX) - 1

    def local_positions(self, gidx: np.ndarray) -> np.ndarray:
        gidx = np.asarray(gidx, dtype=_INDEX)
        return gidx - self.bounds[self.owners(gidx)]

    def dim_dict(self, p: int) -> dict:
        pad_lo = self.boundary_padding if p == 0 else self.comm_padding
        pad_hi = self.boundary_padding if p == self.grid_size - 1 else self.comm_padding
        return {"dist_type": "b", "size": self.size, "proc_grid_size": self.grid_size,
                "proc_grid_rank": p, "start": int(self.bounds[p]), "stop": int(self.bounds[p + 1]),
                "padding": (pad_lo, pad_hi)}

    def global_dim_dict(self) -> dict:
        return {"dist_type": "b", "bounds": [int(b) for b in self.bounds],
                "comm_padding": self.comm_padding, "boundary_padding": self.boundary_padding}

    def _key(self) -> tuple:
        return (self.size, self.grid_size, self.bounds.tobytes(), self.comm_padding, self.boundary_padding)

    def __repr__(self) -> str:
        return f"BlockMap(size={self.size}, grid_size={self.grid_size}, bounds={self.bounds.tolist()})"


class CyclicMap(Map):
    """Cyclic (``block_size`` 1) or block-cyclic distribution.

    Global index ``g`` lies in block ``g // block_size``; block ``k`` belongs
    to grid coordinate ``k % grid_size``.
    """

    dist_type = "c"

    def __init__(self, size: int, grid_size: int, block_size: int = 1):
        self.size = check_size(size)
        self.grid_size = check_size(grid_size, "grid_size")
        if self.grid_size < 1:
            raise ValueError("grid_size must be at least 1")
        self.block_size = check_size(block_size, "block_size")
        if self.block_size < 1:
            raise ValueError(f"block_size must be at least 1, got {self.block_size}")

    def local_indices(self, p: int) -> np.ndarray:
        bs, nblocks = self.block_size, -(-self.size // self.block_size)
        blocks = np.arange(p, nblocks, self.grid_size, dtype=_INDEX)
        idx = (blocks[:, None] * bs + np.arange(bs, dtype=_INDEX)).reshape(-1)
        return idx[idx < self.size]

    def local_size(self, p: int) -> int:
        bs, P = self.block_size, self.grid_size
        nblocks = -(-self.size // bs)
        mine = len(range(p, nblocks, P))
        total = mine * bs
        last = nblocks - 1
        if mine and last % P == p:  # the (possibly partial) last block is ours
            total -= nblocks * bs - self.size
        return total

    def local_slice(self, p: int) -> slice | None:
        if self.block_size == 1:
            return slice(p, self.size, self.grid_size) if self.grid_size > 1 else slice(0, self.size)
        if self.local_size(p) <= self.block_size or self.grid_size == 1:
            idx = self.local_indices(p)
            return slice(int(idx[0]), int(idx[-1]) + 1) if idx.size else slice(0, 0)
        return None

    def owners(self, gidx: np.ndarray) -> np.ndarray:
        return (np.asarray(gidx, dtype=_INDEX) // self.block_size) % self.grid_size

    def local_positions(self, gidx: np.ndarray) -> np.ndarray:
        g = np.asarray(gidx, dtype=_INDEX)
        return (g // self.block_size // self.grid_size) * self.block_size + g % self.block_size

    def dim_dict(self, p: int) -> dict:
        return {"dist_type": "c", "size": self.size, "proc_grid_size": self.grid_size,
                "proc_grid_rank": p, "start": p * self.block_size, "block_size": self.block_size}

    def global_dim_dict(self) -> dict:
        return {"dist_type": "c", "size": self.size, "proc_grid_size": self.grid_size,
                "block_size": self.block_size}

    def _key(self) -> tuple:
        return (self.size, self.grid_size, self.block_size)

    def __repr__(self) -> str:
        return f"CyclicMap(size={self.size}, grid_size={self.grid_size}, block_size={self.block_size})"


class UnstructuredMap(Map):
    """Explicit global indices per grid coordinate (a partition of ``range(size)``)."""

    dist_type = "u"

    def __init__(self, indices: Sequence[Any], size: int | None = None):
        if isinstance(indices, (str, bytes)) or not isinstance(indices, Sequence) and not isinstance(indices, np.ndarray):
            raise TypeError("indices must be a sequence of one-dimensional integer arrays, one per process")
        arrays = []
        for i, ix in enumerate(indices):
            a = np.asarray(ix)
            if a.ndim != 1 or not (a.size == 0 or np.issubdtype(a.dtype, np.integer)):
                raise TypeError(f"indices[{i}] must be a one-dimensional integer array")
            arrays.append(a.astype(_INDEX))
        if not arrays:
            raise ValueError("indices must hold one index array per process (got none)")
        total = sum(a.size for a in arrays)
        if size is not None and check_size(size) != total:
            raise ValueError(f"indices hold {total} indices but size is {size}")
        allidx = np.concatenate(arrays) if arrays else np.empty(0, _INDEX)
        if total and (allidx.min() < 0 or allidx.max() >= total or np.unique(allidx).size != total):
            raise ValueError("indices must be a partition of range(size): every index exactly once")
        self.size = total
        self.grid_size = len(arrays)
        self.indices = tuple(arrays)
        for a in self.indices:
            a.setflags(write=False)
        owner = np.empty(total, dtype=_INDEX)
        pos = np.empty(total, dtype=_INDEX)
        for p, a in enumerate(arrays):
            owner[a] = p
            pos[a] = np.arange(a.size, dtype=_INDEX)
        self._owner, self._pos = owner, pos

    def local_indices(self, p: int) -> np.ndarray:
        return self.indices[p]

    def local_size(self, p: int) -> int:
        return int(self.indices[p].size)

    def local_slice(self, p: int) -> slice | None:
        a = self.indices[p]
        if a.size == 0:
            return slice(0, 0)
        if a[-1] - a[0] + 1 == a.size and np.all(np.diff(a) == 1):
            return slice(int(a[0]), int(a[-1]) + 1)
        return None

    def owners(self, gidx: np.ndarray) -> np.ndarray:
        return self._owner[np.asarray(gidx, dtype=_INDEX)]

    def local_positions(self, gidx: np.ndarray) -> np.ndarray:
        return self._pos[np.asarray(gidx, dtype=_INDEX)]

    def dim_dict(self, p: int) -> dict:
        return {"dist_type": "u", "size": self.size, "proc_grid_size": self.grid_size,
                "proc_grid_rank": p, "indices": self.indices[p]}

    def global_dim_dict(self) -> dict:
        return {"dist_type": "u", "indices": list(self.indices)}

    def _key(self) -> tuple:
        return tuple(a.tobytes() for a in self.indices)


def _check_bounds(bounds: Sequence[int], size: int | None, grid_size: int) -> np.ndarray:
    """Validate block bounds (``size`` None: the last bound defines the size)."""
    try:
        b = np.asarray(bounds)
    except Exception as exc:  # ragged or non-numeric
        raise TypeError(f"bounds must be a sequence of integers, got {bounds!r}") from exc
    if b.ndim != 1 or not (np.issubdtype(b.dtype, np.integer)):
        raise TypeError(f"bounds must be a one-dimensional sequence of integers, got {bounds!r}")
    b = b.astype(_INDEX)
    if b.size != grid_size + 1:
        raise ValueError(f"bounds must have grid_size + 1 = {grid_size + 1} entries, got {b.size}")
    if b[0] != 0 or (size is not None and b[-1] != size):
        raise ValueError(f"bounds must start at 0 and end at the size {size}, got {b.tolist()}")
    if np.any(np.diff(b) < 0):
        raise ValueError(f"bounds must be non-decreasing, got {b.tolist()}")
    return b


def map_from_global_dim_dict(gdd: dict, grid_size: int | None = None) -> Map:
    """Build a map from one of the seed's ``global_dim_data`` dictionaries.

    Raises ValueError/TypeError naming the offending key for malformed input.

    Examples
    --------
    >>> map_from_global_dim_dict({"dist_type": "b", "bounds": [0, 2, 5]}).local_size(1)
    3
    """
    if not isinstance(gdd, dict):
        raise TypeError(f"global_dim_data entries must be dicts, got {type(gdd).__name__}")
    kind = gdd.get("dist_type")
    if kind == "b":
        if "bounds" in gdd:
            bounds = gdd["bounds"]
            try:
                n = len(bounds)
            except TypeError as exc:
                raise TypeError("bounds must be a sequence of integers") from exc
            if n < 2:
                raise ValueError("bounds must have at least two entries")
            size = gdd.get("size", int(_check_bounds(bounds, None, n - 1)[-1]))
            return BlockMap(size, n - 1, bounds, gdd.get("comm_padding", 0), gdd.get("boundary_padding", 0))
        if "size" not in gdd:
            raise ValueError("a 'b' global_dim_data dict needs 'bounds' (or 'size' and 'proc_grid_size')")
        return BlockMap(gdd["size"], gdd.get("proc_grid_size", grid_size or 1), None,
                        gdd.get("comm_padding", 0), gdd.get("boundary_padding", 0))
    if kind == "c":
        for key in ("size",):
            if key not in gdd:
                raise ValueError(f"a 'c' global_dim_data dict needs {key!r}")
        return CyclicMap(gdd["size"], gdd.get("proc_grid_size", grid_size or 1), gdd.get("block_size", 1))
    if kind == "u":
        if "indices" not in gdd:
            raise ValueError("a 'u' global_dim_data dict needs 'indices'")
        return UnstructuredMap(gdd["indices"], gdd.get("size"))
    if kind == "n":
        if "size" not in gdd:
            raise ValueError("an 'n' global_dim_data dict needs 'size'")
        return NoDistMap(gdd["size"])
    raise ValueError(f"dist_type must be one of {DIST_TYPES}, got {kind!r}")
