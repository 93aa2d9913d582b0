"""What travels between the notebook and the engines: references and result descriptors.

Imported on both sides (no ipyparallel, no MPI).  A :class:`Ref` stands for an
object the engines hold in their namespace (a DistArray, a Generator ...);
the engines answer an operation with a descriptor (a plain tuple) saying what
the result is, so the notebook can build the matching proxy or value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Ref", "is_plain_value", "key_label", "ARRAY", "VALUE", "OBJECT", "SEQUENCE"]

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


def key_label(key: Any) -> str:
    """A short label of a namespace key for messages: ``(token, 7)`` is ``7``, part 1 of it ``7.1``."""
    if isinstance(key, tuple) and isinstance(key[0], tuple):
        return f"{key_label(key[0])}.{key[1]}"
    return str(key[1]) if isinstance(key, tuple) else str(key)
