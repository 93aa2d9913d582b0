"""``__array_namespace_info__``: what the numpy_dist namespace supports."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._dtypes import (
    bool as bool_,
    complex64,
    complex128,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
    uint64,
)
from ._helpers import check_device

__all__ = ["__array_namespace_info__"]

_KINDS: dict[str, tuple[np.dtype, ...]] = {
    "bool": (bool_,),
    "signed integer": (int8, int16, int32, int64),
    "unsigned integer": (uint8, uint16, uint32, uint64),
    "integral": (int8, int16, int32, int64, uint8, uint16, uint32, uint64),
    "real floating": (float32, float64),
    "complex floating": (complex64, complex128),
    "numeric": (int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, complex64,
                complex128),
}


class __array_namespace_info__:  # noqa: N801 - the standard's name
    """Inspection namespace of numpy_dist (array API standard, 2023.12 and later).

    Examples
    --------
    >>> import numpy_dist as nd
    >>> info = nd.__array_namespace_info__()
    >>> info.default_device()
    'cpu'
    """

    __module__ = "numpy_dist"

    def capabilities(self) -> dict[str, Any]:
        """Boolean indexing and data-dependent shapes are supported; at most 64 dimensions."""
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": 64}

    def default_device(self) -> str:
        """``"cpu"``: every rank's block lives in host memory."""
        return "cpu"

    def devices(self) -> tuple[str, ...]:
        """``("cpu",)``."""
        return ("cpu",)

    def default_dtypes(self, *, device: Any = None) -> dict[str, np.dtype]:
        """Default dtypes: float64, complex128, int64 (integral and indexing)."""
        check_device(device)
        return {"real floating": float64, "complex floating": complex128, "integral": int64, "indexing": int64}

    def dtypes(self, *, device: Any = None, kind: str | tuple[str, ...] | None = None) -> dict[str, np.dtype]:
        """Supported dtypes by name, optionally of one ``kind`` (or a tuple of kinds)."""
        check_device(device)
        if kind is None:
            found = (bool_, *_KINDS["numeric"])
        else:
            kinds = kind if isinstance(kind, tuple) else (kind,)
            for k in kinds:
                if k not in _KINDS:
                    raise ValueError(f"unknown dtype kind {k!r}; expected one of {sorted(_KINDS)}")
            found = tuple(dict.fromkeys(dt for k in kinds for dt in _KINDS[k]))
        return {dt.name: dt for dt in found}
