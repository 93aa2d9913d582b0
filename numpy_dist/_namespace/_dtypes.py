"""Data types, constants and the data type functions of the array API standard.

The dtype objects are :class:`DType` instances standing for one ``numpy.dtype`` each:
``x.dtype == numpy_dist.float64`` and ``numpy_dist.float64 == numpy.float64`` hold, both
hash alike, and NumPy accepts them wherever it takes a dtype (``np.zeros(3,
dtype=numpy_dist.float64)``).  Unlike a NumPy dtype they equal nothing else: a NumPy
dtype compares equal to ``None`` (``np.dtype(None)`` is float64) and to its name, which
the standard's equality-keyed dtype tables trip over.  Type promotion follows the standard's lattice:
booleans with booleans, integers with integers, floating with floating (real
and complex); pairs the standard leaves unspecified follow NumPy.
"""

from __future__ import annotations

import builtins
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..distarray import DistArray
from ._docs import namespace_doc
from ._helpers import check_device, require_array

__all__ = [
    "DType", "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float32", "float64", "complex64", "complex128",
    "e", "inf", "nan", "pi", "newaxis",
    "astype", "can_cast", "finfo", "iinfo", "isdtype", "result_type",
]


class DType:
    """A data type of the array API namespace: stands for one NumPy dtype.

    Equal to itself, to the NumPy dtype it stands for and to that dtype's scalar
    type, and to nothing else (not ``None``, not a name).  NumPy converts it
    through its ``dtype`` attribute, and every other attribute (``kind``,
    ``itemsize``, ``name``, ...) is the NumPy dtype's.

    Parameters
    ----------
    name : str
        The NumPy name of the data type (``"float64"``).  The namespace
        makes one instance per standard data type; use those
        (``nd.float64``), not new ones.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> nd.float64 == np.float64, nd.float64 == np.dtype("float64"), nd.float64 == None
    (True, True, False)
    >>> np.zeros(2, dtype=nd.int32).dtype
    dtype('int32')
    """

    __slots__ = ("dtype",)
    dtype: np.dtype

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "dtype", np.dtype(name))

    def __eq__(self, other: object) -> builtins.bool:
        if isinstance(other, DType):
            return self.dtype == other.dtype
        if isinstance(other, np.dtype):
            return self.dtype == other
        if isinstance(other, type) and issubclass(other, np.generic):
            return self.dtype.type is other
        return NotImplemented  # None, names, anything else: not equal

    def __ne__(self, other: object) -> builtins.bool:
        eq = self.__eq__(other)
        return NotImplemented if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(self.dtype)

    def __getattr__(self, attr: str) -> Any:
        return getattr(object.__getattribute__(self, "dtype"), attr)

    def __setattr__(self, attr: str, value: Any) -> None:
        raise AttributeError("numpy_dist data types are immutable")

    def __repr__(self) -> str:
        return f"numpy_dist.{self.dtype.name}"

    __str__ = __repr__

    def __reduce__(self) -> str:
        return self.dtype.name  # pickles as this module's attribute of that name


bool = DType("bool")  # noqa: A001 - the standard's name
int8, int16, int32, int64 = (DType(f"int{b}") for b in (8, 16, 32, 64))
uint8, uint16, uint32, uint64 = (DType(f"uint{b}") for b in (8, 16, 32, 64))
float32, float64 = DType("float32"), DType("float64")
complex64, complex128 = DType("complex64"), DType("complex128")

e: float = math.e
inf: float = math.inf
nan: float = math.nan
pi: float = math.pi
newaxis = None

#: The standard's data types, in a fixed order.
ALL_DTYPES = (bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
              float32, float64, complex64, complex128)

_KIND_CODES = {
    "bool": "b", "signed integer": "i", "unsigned integer": "u", "integral": "iu",
    "real floating": "f", "complex floating": "c", "numeric": "iufc",
}


def _dtype(obj: Any, name: str = "dtype") -> np.dtype:
    """A dtype of the standard from a dtype object or an array; TypeError otherwise."""
    if isinstance(obj, DistArray) or isinstance(obj, np.ndarray):
        return obj.dtype
    try:
        dt = np.dtype(obj)
    except TypeError as exc:
        raise TypeError(f"{name} must be a data type or an array, got {obj!r}") from exc
    if obj is None or dt not in ALL_DTYPES:
        raise TypeError(f"{name} {obj!r} is not a data type of the array API standard")
    return dt


def _family(dt: np.dtype) -> str:
    """Promotion family: bool, integer, or floating (real and complex promote together)."""
    return {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "float"}[dt.kind]


def _promote(a: np.dtype, b: np.dtype) -> np.dtype | None:
    """The standard's promotion of two dtypes, or None where the standard does not define it."""
    if _family(a) != _family(b):
        return None
    if {a.kind, b.kind} == {"i", "u"} and uint64 in (a, b):
        return None  # uint64 with a signed integer: no standard result
    return np.result_type(a, b)


@namespace_doc
def astype(x: DistArray, dtype: Any, /, *, copy: builtins.bool = True, device: Any = None) -> DistArray:
    """A copy of ``x`` cast to ``dtype``.

    Each rank casts its own block (NumPy's unsafe casting: any data type to
    any other, as the standard asks).

    Parameters
    ----------
    {x}
    dtype : dtype
        A data type of the standard (``nd.float32``, ``np.int64`` ...).
    copy : bool, optional
        True (default): always a new array.  False: ``x`` itself when it
        already has ``dtype``.
    {device}

    Returns
    -------
    DistArray
        ``x``'s shape and distribution, in ``dtype``.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array, or ``dtype`` is not one of the
        standard's data types.
    ValueError
        If ``device`` is not ``"cpu"`` or None.

    See Also
    --------
    DistArray.astype, can_cast, result_type

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1.7, -2.2]))
    >>> nd.asnumpy(nd.astype(x, nd.int32))
    array([ 1, -2], dtype=int32)
    >>> nd.astype(x, nd.float64, copy=False) is x
    True
    """
    x = require_array(x)
    check_device(device)
    dt = _dtype(dtype)
    return x.astype(dt, copy=copy)


def can_cast(from_: Any, to: Any, /) -> builtins.bool:
    """Whether data of type ``from_`` can be cast to ``to`` by the standard's type promotion rules.

    True when ``from_`` and ``to`` promote to ``to``: a cast within one
    kind that loses nothing (``int8`` to ``int16``).  Casts between kinds
    (integer to floating) are not promotions in the standard: False.

    Parameters
    ----------
    from_ : dtype or DistArray
        The source data type, or an array of it.
    to : dtype
        The target data type.

    Returns
    -------
    bool
        The answer (the same on every rank).

    Raises
    ------
    TypeError
        If an argument is not one of the standard's data types (or an array).

    See Also
    --------
    result_type, astype

    Notes
    -----
    Communication: none (data types only).

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.can_cast(nd.int8, nd.int16), nd.can_cast(nd.int16, nd.int8)
    (True, False)
    >>> nd.can_cast(nd.int64, nd.float64)
    False
    """
    f, t = _dtype(from_, "from_"), _dtype(to, "to")
    promoted = _promote(f, t)  # note: ``dtype == None`` is True in NumPy (None means float64)
    return builtins.bool(f == t or (promoted is not None and promoted == t))


@dataclass(frozen=True)
class finfo_object:  # noqa: N801 - the standard's name
    """Machine limits of a floating-point type (the standard's ``finfo_object``).

    Attributes
    ----------
    bits : int
        Bits of the type (of its real component for a complex type).
    eps : float
        The difference between 1.0 and the next representable value.
    max, min : float
        The largest and the smallest (most negative) finite values.
    smallest_normal : float
        The smallest positive normal value.
    dtype : numpy.dtype
        The real floating-point type the limits describe.
    """

    bits: int
    eps: float
    max: float
    min: float
    smallest_normal: float
    dtype: np.dtype


@dataclass(frozen=True)
class iinfo_object:  # noqa: N801 - the standard's name
    """Machine limits of an integer type (the standard's ``iinfo_object``).

    Attributes
    ----------
    bits : int
        Bits of the type.
    max, min : int
        The largest and the smallest value.
    dtype : numpy.dtype
        The integer type the limits describe.
    """

    bits: int
    max: int
    min: int
    dtype: np.dtype


def finfo(type: Any, /) -> finfo_object:  # noqa: A002 - the standard's parameter name
    """Machine limits of a floating-point data type, or of an array's.

    Parameters
    ----------
    type : dtype or DistArray
        A real or complex floating-point data type (or an array of one).
        A complex type reports its real component's limits.

    Returns
    -------
    finfo_object
        ``bits``, ``eps``, ``max``, ``min``, ``smallest_normal`` and ``dtype``.

    Raises
    ------
    TypeError
        If ``type`` is not one of the standard's data types (or an array).
    ValueError
        If ``type`` is not a floating-point type.

    See Also
    --------
    iinfo, numpy.finfo

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> f = nd.finfo(nd.float32)
    >>> f.bits, f.eps
    (32, 1.1920928955078125e-07)
    >>> nd.finfo(nd.complex128).dtype
    dtype('float64')
    """
    dt = _dtype(type, "type")
    if dt.kind not in "fc":
        raise ValueError(f"finfo needs a floating-point data type, got {dt}")
    fi = np.finfo(dt)
    return finfo_object(int(fi.bits), float(fi.eps), float(fi.max), float(fi.min), float(fi.smallest_normal),
                        np.dtype(fi.dtype))


def iinfo(type: Any, /) -> iinfo_object:  # noqa: A002 - the standard's parameter name
    """Machine limits of an integer data type, or of an array's.

    Parameters
    ----------
    type : dtype or DistArray
        A signed or unsigned integer data type (or an array of one).

    Returns
    -------
    iinfo_object
        ``bits``, ``max``, ``min`` and ``dtype``.

    Raises
    ------
    TypeError
        If ``type`` is not one of the standard's data types (or an array).
    ValueError
        If ``type`` is not an integer type.

    See Also
    --------
    finfo, numpy.iinfo

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> i = nd.iinfo(nd.int8)
    >>> i.bits, i.min, i.max
    (8, -128, 127)
    """
    dt = _dtype(type, "type")
    if dt.kind not in "iu":
        raise ValueError(f"iinfo needs an integer data type, got {dt}")
    ii = np.iinfo(dt)
    return iinfo_object(int(ii.bits), int(ii.max), int(ii.min), dt)


def isdtype(dtype: Any, kind: Any) -> builtins.bool:
    """Whether ``dtype`` is of the kind ``kind``.

    Parameters
    ----------
    dtype : dtype
        One of the standard's data types (not an array).
    kind : dtype, str or tuple of them
        A data type (equality), a kind name (``"bool"``, ``"signed integer"``,
        ``"unsigned integer"``, ``"integral"``, ``"real floating"``,
        ``"complex floating"``, ``"numeric"``), or a tuple of those (any matches).

    Returns
    -------
    bool
        The answer.

    Raises
    ------
    TypeError
        If ``dtype`` is an array, None or not a standard data type, or
        ``kind`` holds a nested tuple or an unknown data type.
    ValueError
        If ``kind`` names an unknown kind.

    See Also
    --------
    numpy.isdtype

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.isdtype(nd.float32, "real floating")
    True
    >>> nd.isdtype(nd.uint8, ("signed integer", nd.float64))
    False
    """
    if isinstance(dtype, (DistArray, np.ndarray)) or dtype is None:
        raise TypeError(f"isdtype expects a data type, got {type(dtype).__name__}")
    dt = _dtype(dtype)
    if isinstance(kind, tuple):
        return any(_isdtype_one(dt, k) for k in kind)
    return _isdtype_one(dt, kind)


def _isdtype_one(dt: np.dtype, kind: Any) -> builtins.bool:
    if isinstance(kind, str):
        if kind not in _KIND_CODES:
            raise ValueError(f"unknown data type kind {kind!r}; expected one of {sorted(_KIND_CODES)}")
        return dt.kind in _KIND_CODES[kind]
    if isinstance(kind, tuple):
        raise TypeError("isdtype: nested tuples of kinds are not allowed")
    return dt == _dtype(kind, "kind")


def result_type(*arrays_and_dtypes: Any) -> np.dtype:
    """The data type the standard's type promotion gives for the arguments.

    Promotion stays within a kind: booleans with booleans, integers with
    integers, floating types (real and complex) with each other.

    Parameters
    ----------
    *arrays_and_dtypes : DistArray, dtype, or bool, int, float, complex
        At least one array or data type.  Python scalars are weak: they
        take the kind of the other arguments (an int fits any numeric
        type, a float a floating one, a complex makes a real floating
        type complex).

    Returns
    -------
    numpy.dtype
        The promoted data type.

    Raises
    ------
    TypeError
        For data types the standard cannot promote (mixed kinds, uint64
        with a signed integer), or a Python scalar whose kind does not fit.
    ValueError
        With no array or data type among the arguments.

    See Also
    --------
    can_cast, numpy.result_type

    Notes
    -----
    Communication: none (data types only).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> nd.result_type(nd.int8, nd.int16)
    dtype('int16')
    >>> nd.result_type(nd.asarray(np.ones(2, dtype=np.float32)), 1j)
    dtype('complex64')
    """
    dts = [_dtype(a) for a in arrays_and_dtypes if not isinstance(a, (builtins.bool, int, float, complex))]
    scalars = [a for a in arrays_and_dtypes if isinstance(a, (builtins.bool, int, float, complex))]
    if not dts:
        raise ValueError("result_type needs at least one array or data type")
    out = dts[0]
    for dt in dts[1:]:
        res = _promote(out, dt)
        if res is None:
            raise TypeError(f"{out} and {dt} cannot be promoted under the array API standard's rules")
        out = res
    for s in scalars:
        out = _promote_scalar(out, s)
    return out


def _promote_scalar(dt: np.dtype, s: Any) -> np.dtype:
    if isinstance(s, builtins.bool):
        ok = True
    elif isinstance(s, int):
        ok = dt.kind in "iufc"
    elif isinstance(s, float):
        ok = dt.kind in "fc"
    else:
        ok = dt.kind in "fc"
        if ok and dt.kind == "f":
            return np.dtype(complex64 if dt == float32 else complex128)
    if not ok:
        raise TypeError(f"a Python {type(s).__name__} cannot be promoted with {dt} under the standard's rules")
    return dt
