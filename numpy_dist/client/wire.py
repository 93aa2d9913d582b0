"""What travels between the notebook and the engines: references and result descriptors.

Imported on both sides (no ipyparallel, no MPI).  A :class:`Ref` stands for an
object the engines hold in their namespace (a DistArray, a Generator ...);
the engines answer an operation with a descriptor (a plain tuple) saying what
the result is, so the notebook can build the matching proxy or value.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np

__all__ = ["Ref", "is_plain_value", "travels_by_reference", "keys_referenced", "key_label", "ARRAY", "VALUE", "OBJECT",
           "SEQUENCE"]

# Descriptor tags: ("array", shape, dtype, layout) / ("value", v) / ("object", type name) /
# ("sequence", type name, [descriptors]).
ARRAY, VALUE, OBJECT, SEQUENCE = "array", "value", "object", "sequence"


class Ref:
    """The key of an object held on every engine (in the engines' namespace)."""

    __slots__ = ("key",)

    def __init__(self, key: Any):
        self.key = key

    def __reduce__(self) -> tuple:
        return (Ref, (self.key,))

    def __repr__(self) -> str:
        return f"Ref({self.key!r})"


_PLAIN = (type(None), bool, int, float, complex, str, bytes, np.generic, np.ndarray, np.dtype, slice)


def is_plain_value(obj: Any) -> bool:
    """True for what is sent back as a value: scalars, NumPy arrays, and tuples/lists/dicts of them."""
    if isinstance(obj, _PLAIN):
        return True
    if isinstance(obj, (tuple, list)):
        return all(is_plain_value(x) for x in obj)
    if isinstance(obj, dict):
        return all(is_plain_value(k) and is_plain_value(v) for k, v in obj.items())
    return False


#: The largest NumPy array an operation may carry and still share a message with other operations (bytes).
SHARED_ARRAY_BYTES = 1 << 16

_BY_REFERENCE = (type(None), bool, int, float, complex, str, bytes, np.generic, np.dtype, slice, type(Ellipsis),
                 Ref, np.ufunc, types.BuiltinFunctionType)


def travels_by_reference(obj: Any) -> bool:
    """True when ``obj`` pickles as it is for the engines: no function or class of the notebook to send by value
    (ipyparallel "cans" those, but only as direct arguments of a message), no object or large array.

    Operations made only of such parts may share a message; the others go in one of their own.
    """
    if isinstance(obj, _BY_REFERENCE):
        return True
    if isinstance(obj, np.ndarray):
        return obj.dtype != object and obj.nbytes <= SHARED_ARRAY_BYTES
    if type(obj) in (tuple, list):
        return all(travels_by_reference(x) for x in obj)
    if type(obj) is dict:
        return all(travels_by_reference(k) and travels_by_reference(v) for k, v in obj.items())
    if isinstance(obj, type):
        return obj.__module__ != "__main__" and "<locals>" not in obj.__qualname__
    if isinstance(obj, _FUNCTIONS):  # np.sum, nd.zeros ...: pickled by name, found on the engines
        return _importable(obj) and obj.__module__.partition(".")[0] in _ENGINE_PACKAGES
    return False


#: Packages every engine imports as the notebook does: their functions travel by name.
_ENGINE_PACKAGES = ("numpy", "numpy_dist")
#: Python functions, and NumPy's dispatched ones (``np.sum`` is a ``numpy._ArrayFunctionDispatcher``).
_FUNCTIONS = (types.FunctionType, type(np.sum))


def _importable(func: Any) -> bool:
    """Whether pickle finds ``func`` again by its module and qualified name (what pickling by name needs)."""
    owner: Any = sys.modules.get(func.__module__)
    for part in func.__qualname__.split("."):
        owner = getattr(owner, part, None)
    return owner is func


def keys_referenced(obj: Any) -> set:
    """The keys of every :class:`Ref` in ``obj`` (inside tuples, lists and dicts too)."""
    if isinstance(obj, Ref):
        return {obj.key}
    if type(obj) in (tuple, list):
        return set().union(*(keys_referenced(x) for x in obj))
    if type(obj) is dict:
        return set().union(*(keys_referenced(x) for x in obj.values()))
    return set()


def key_label(key: Any) -> str:
    """A short label of a namespace key for messages: ``(token, 7)`` is ``7``, part 1 of it ``7.1``."""
    if isinstance(key, tuple) and isinstance(key[0], tuple):
        return f"{key_label(key[0])}.{key[1]}"
    return str(key[1]) if isinstance(key, tuple) else str(key)
