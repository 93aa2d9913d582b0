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
        """What the namespace supports beyond the core of the standard.

        Returns
        -------
        dict
            ``"boolean indexing"`` (True), ``"data-dependent shapes"``
            (True) and ``"max dimensions"`` (64).

        Examples
        --------
        >>> import numpy_dist as nd
        >>> nd.__array_namespace_info__().capabilities()["boolean indexing"]
        True
        """
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": 64}

    def default_device(self) -> str:
        """The device arrays are created on: ``"cpu"``, every rank's block lives in host memory.

        Returns
        -------
        str
            ``"cpu"``.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> nd.__array_namespace_info__().default_device()
        'cpu'
        """
        return "cpu"

    def devices(self) -> tuple[str, ...]:
        """The devices numpy_dist supports: ``("cpu",)``.

        Returns
        -------
        tuple of str
            ``("cpu",)``.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> nd.__array_namespace_info__().devices()
        ('cpu',)
        """
        return ("cpu",)

    def default_dtypes(self, *, device: Any = None) -> dict[str, np.dtype]:
        """The default data types of creation functions and indexing.

        Parameters
        ----------
        device : None or "cpu", optional
            The device asked about.

        Returns
        -------
        dict
            ``"real floating"``: float64, ``"complex floating"``:
            complex128, ``"integral"`` and ``"indexing"``: int64.

        Raises
        ------
        ValueError
            If ``device`` is not ``"cpu"`` or None.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> nd.__array_namespace_info__().default_dtypes()["integral"]
        numpy_dist.int64
        """
        check_device(device)
        return {"real floating": float64, "complex floating": complex128, "integral": int64, "indexing": int64}

    def dtypes(self, *, device: Any = None, kind: str | tuple[str, ...] | None = None) -> dict[str, np.dtype]:
        """The supported data types by name, all of them or those of some kinds.

        Parameters
        ----------
        device : None or "cpu", optional
            The device asked about.
        kind : str, tuple of str or None, optional
            A kind name (``"bool"``, ``"signed integer"``, ``"unsigned
            integer"``, ``"integral"``, ``"real floating"``, ``"complex
            floating"``, ``"numeric"``) or a tuple of them; None (default)
            for every data type.

        Returns
        -------
        dict
            Data type name to data type object.

        Raises
        ------
        ValueError
            If ``device`` is not ``"cpu"`` or None, or a kind is unknown.

        Examples
        --------
        >>> import numpy_dist as nd
        >>> list(nd.__array_namespace_info__().dtypes(kind="real floating"))
        ['float32', 'float64']
        """
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
