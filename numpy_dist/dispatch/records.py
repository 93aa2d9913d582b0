"""``numpy.lib.recfunctions`` on distributed records.

Most record functions work record by record: the fields of each element
are dropped, renamed, repacked, merged or spread into an unstructured last
axis without looking at other elements.  Each such function runs NumPy's
own code on every rank's block; the result keeps the input's layout (a
trailing whole axis added by ``structured_to_unstructured``, removed by
``unstructured_to_structured`` after making that axis local).

Every call first runs NumPy's function on a one-element stand-in of the
operands' dtypes: NumPy's exceptions on every rank alike, before any
message, and the result's dtype and trailing shape from metadata only.
Results NumPy returns as masked or record arrays (``usemask=True`` where
masks appear, ``asrecarray=True``), operands of different lengths (which
NumPy pads), ``stack_arrays``, ``find_duplicates``, ``join_by`` and the
``rec_*`` spellings take the documented fallback.

Field access and assignment (``d["f"]``, ``d[["f", "g"]]``) are views of
the local blocks, defined here for ``numpy_dist.indexing``.

Communication: none, except the one all-to-all that makes the last axis
local for ``unstructured_to_structured`` when it is distributed, and the
alignment of a second operand laid out otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.lib.recfunctions as rfn

from .. import comm as _comm
from ..distarray import DistArray, aligned_block
from ..redistribute import redistribute_local
from ..creation import asarray
from .fallback import fallback
from .registry import implements


def as_distarray(a: Any) -> DistArray:
    """``a`` itself when it is a DistArray, else ``asarray(a)`` (this module must not import manipulation,
    which imports ``indexing``: indexing imports the field views below)."""
    return a if isinstance(a, DistArray) else asarray(a)


# --------------------------------------------------------------------------
# Fields: d["f"], d[["f", "g"]] (DistArray.__getitem__/__setitem__ come here)
# --------------------------------------------------------------------------


def is_field_key(key: Any) -> bool:
    """Whether ``key`` names a field (``"f"``) or several (``["f", "g"]``) of a structured array."""
    return isinstance(key, str) or (isinstance(key, list) and len(key) > 0 and all(isinstance(k, str) for k in key))


def field_view(d: DistArray, key: str | list[str]) -> DistArray:
    """``d["f"]`` / ``d[["f", "g"]]``: a view of the fields in every local block (local).

    NumPy judges the key on a 0-d record (ValueError/KeyError for an unknown
    name, IndexError for an unstructured array), identically on every rank;
    a subarray field's axes are appended whole (not distributed).
    """
    trailing = np.zeros((), d.dtype)[key].shape
    dist = d.distribution.extended(trailing) if trailing else d.distribution
    return DistArray._new(d.local[key], dist)


def _standin(x: Any) -> np.ndarray:
    """A one-element array of ``x``'s dtype and number of dimensions (NumPy's checks and result dtype)."""
    arr = x if isinstance(x, DistArray) else np.asarray(x)
    return np.zeros((1,) * arr.ndim, arr.dtype)


def _plain(result: Any) -> bool:
    """A result a DistArray can hold: a plain ndarray (not masked, not a record array), or None."""
    return result is None or type(result) is np.ndarray


def _per_record(name: str, a: DistArray, kernel: Callable[[np.ndarray], Any]) -> Any:
    """``kernel`` (NumPy's function of one record array) on every block; ``a``'s layout plus trailing axes."""
    probe = kernel(np.zeros((1,) * a.ndim, a.dtype))  # NumPy's errors everywhere, before any message
    if probe is None:  # drop_fields of every field
        return None
    trailing = probe.shape[a.ndim:]
    dist = a.distribution.extended(trailing) if trailing else a.distribution
    local = _comm.agreed_call(a.comm, lambda: kernel(a.local), fp=name)
    return DistArray._new(np.asarray(local), dist)


# --------------------------------------------------------------------------
# One record array in, the same records (other fields) out
# --------------------------------------------------------------------------


@implements(rfn.drop_fields)
def drop_fields(base, drop_names, usemask=True, asrecarray=False):
    """``rfn.drop_fields`` on every block (None when every field is dropped, as in NumPy)."""
    def kernel(x):
        return rfn.drop_fields(x, drop_names, usemask=usemask, asrecarray=asrecarray)

    base = as_distarray(base)
    if not _plain(kernel(np.zeros((1,) * base.ndim, base.dtype))):
        return fallback(rfn.drop_fields, (base, drop_names, usemask, asrecarray), {}, "numpy.lib.recfunctions.drop_fields")
    return _per_record("drop_fields", base, kernel)


@implements(rfn.rename_fields)
def rename_fields(base, namemapper):
    """``rfn.rename_fields``: a view of every block with the new names."""
    return _per_record("rename_fields", as_distarray(base), lambda x: rfn.rename_fields(x, namemapper))


@implements(rfn.repack_fields)
def repack_fields(a, align=False, recurse=False):
    """``rfn.repack_fields`` on every block."""
    return _per_record("repack_fields", as_distarray(a), lambda x: rfn.repack_fields(x, align=align, recurse=recurse))


@implements(rfn.require_fields)
def require_fields(array, required_dtype):
    """``rfn.require_fields``: every block cast to the required fields (missing ones zero)."""
    return _per_record("require_fields", as_distarray(array), lambda x: rfn.require_fields(x, required_dtype))


@implements(rfn.structured_to_unstructured)
def structured_to_unstructured(arr, dtype=None, copy=False, casting="unsafe"):
    """``rfn.structured_to_unstructured``: the fields become a trailing whole axis."""
    return _per_record("structured_to_unstructured", as_distarray(arr),
                       lambda x: rfn.structured_to_unstructured(x, dtype=dtype, copy=copy, casting=casting))


@implements(rfn.apply_along_fields)
def apply_along_fields(func, arr):
    """``rfn.apply_along_fields``: ``func`` along the fields of every record (local to each block)."""
    return _per_record("apply_along_fields", as_distarray(arr), lambda x: rfn.apply_along_fields(func, x))


@implements(rfn.unstructured_to_structured)
def unstructured_to_structured(arr, dtype=None, names=None, align=False, copy=False, casting="unsafe"):
    """``rfn.unstructured_to_structured``: the last axis (made local first) becomes the fields."""
    arr = as_distarray(arr)

    def kernel(x):
        return rfn.unstructured_to_structured(x, dtype=dtype, names=names, align=align, copy=copy, casting=casting)

    kernel(np.zeros((1,) * max(arr.ndim - 1, 0) + arr.shape[-1:], arr.dtype))  # NumPy's errors (0-d too)
    dist = arr.distribution
    work = dist.with_local_axes([arr.ndim - 1]) if dist.axis_grid[-1] is not None else dist
    local = redistribute_local(arr.local, dist, work) if work is not dist else arr.local
    out = _comm.agreed_call(arr.comm, lambda: kernel(local), fp="unstructured_to_structured")
    return DistArray._new(np.asarray(out), work.select_axes(range(arr.ndim - 1)))


# --------------------------------------------------------------------------
# Several record arrays of one length: element by element
# --------------------------------------------------------------------------


def _aligned_1d(arrays: list, name: str) -> tuple[DistArray, list] | None:
    """(the first DistArray, every operand's block in its layout) when all are 1-d of one length; else None."""
    lead = next((a for a in arrays if isinstance(a, DistArray)), None)
    if lead is None or lead.ndim != 1 or any(np.ndim(a) != 1 or np.shape(a)[0] != lead.shape[0] for a in arrays):
        return None
    return lead, [np.asarray(aligned_block(a, lead.distribution)) for a in arrays]


def _elementwise(name: str, func: Any, args: tuple, kwargs: dict, arrays: list,
                 kernel: Callable[[list], Any]) -> Any:
    """``kernel(blocks)`` on aligned blocks when the arrays line up and NumPy's result is plain, else the fallback."""
    aligned = _aligned_1d(arrays, name)
    if aligned is not None and _plain(kernel([_standin(a) for a in arrays])):
        lead, blocks = aligned
        local = _comm.agreed_call(lead.comm, lambda: kernel(blocks), fp=name)
        return DistArray._new(np.asarray(local), lead.distribution)
    return fallback(func, args, kwargs, f"numpy.lib.recfunctions.{name}")


def _sequence(x: Any) -> list:
    """NumPy's reading of ``seqarrays``/``data``: one array, or a sequence of them."""
    return [x] if isinstance(x, (DistArray, np.ndarray)) else list(x)


@implements(rfn.merge_arrays)
def merge_arrays(seqarrays, fill_value=-1, flatten=False, usemask=False, asrecarray=False):
    """``rfn.merge_arrays`` of 1-d arrays of one length: record by record on aligned blocks."""
    arrays = _sequence(seqarrays)
    single = isinstance(seqarrays, (DistArray, np.ndarray))

    def kernel(blocks):
        return rfn.merge_arrays(blocks[0] if single else tuple(blocks), fill_value=fill_value, flatten=flatten,
                                usemask=usemask, asrecarray=asrecarray)

    return _elementwise("merge_arrays", rfn.merge_arrays, (seqarrays, fill_value, flatten, usemask, asrecarray), {},
                        arrays, kernel)


@implements(rfn.append_fields)
def append_fields(base, names, data, dtypes=None, fill_value=-1, usemask=True, asrecarray=False):
    """``rfn.append_fields`` of data as long as ``base`` (1-d): record by record on aligned blocks."""
    columns = _sequence(data)
    single = isinstance(data, (DistArray, np.ndarray))

    def kernel(blocks):
        return rfn.append_fields(blocks[0], names, blocks[1] if single else list(blocks[1:]), dtypes=dtypes,
                                 fill_value=fill_value, usemask=usemask, asrecarray=asrecarray)

    return _elementwise("append_fields", rfn.append_fields, (base, names, data, dtypes, fill_value, usemask,
                                                              asrecarray), {}, [base] + columns, kernel)


@implements(rfn.recursive_fill_fields)
def recursive_fill_fields(input, output):  # noqa: A002 (NumPy's parameter name)
    """``rfn.recursive_fill_fields`` into a DistArray ``output`` of ``input``'s shape (returns ``output``)."""
    if not isinstance(output, DistArray) or np.shape(input) != output.shape:
        return fallback(rfn.recursive_fill_fields, (input, output), {}, "numpy.lib.recfunctions.recursive_fill_fields")
    rfn.recursive_fill_fields(_standin(input), _standin(output))  # NumPy's errors (missing fields ...)
    block = np.asarray(aligned_block(input, output.distribution))
    _comm.agreed_call(output.comm, lambda: rfn.recursive_fill_fields(block, output.local), fp="recursive_fill_fields")
    return output


@implements(rfn.assign_fields_by_name)
def assign_fields_by_name(dst, src, zero_unassigned=True):
    """``rfn.assign_fields_by_name`` into a DistArray ``dst`` (``src`` broadcast to it, aligned)."""
    if not isinstance(dst, DistArray):
        return fallback(rfn.assign_fields_by_name, (dst, src, zero_unassigned), {},
                        "numpy.lib.recfunctions.assign_fields_by_name")
    shape = np.broadcast_shapes(np.shape(src), dst.shape)  # NumPy's ValueError for shapes that do not broadcast
    if shape != dst.shape:
        raise ValueError(f"could not broadcast input array from shape {np.shape(src)} into shape {dst.shape}")
    rfn.assign_fields_by_name(_standin(dst), _standin(src), zero_unassigned)
    block = aligned_block(src, dst.distribution)
    _comm.agreed_call(dst.comm, lambda: rfn.assign_fields_by_name(dst.local, block, zero_unassigned),
                      fp="assign_fields_by_name")
    return None
