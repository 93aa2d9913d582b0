"""Masked ufuncs with numpy.ma's rules: masks combine by OR, results outside a domain are masked.

``np.log(m)`` on a :class:`MaskedDistArray` runs the ufunc on the data
through the distributed ufunc path (so broadcasting and alignment are the
DistArray's), then builds the result's mask in the result's layout from the
operands' masks (``aligned_block``: nothing moves when the layouts agree).
The domain of each ufunc is numpy.ma's own table (``numpy.ma.core.ufunc_domain``:
``log`` is masked where ``x <= 0``, ``sqrt`` where ``x < 0``, ``divide`` where
``|b| <= tiny * |a|`` ...), applied to the aligned local blocks, so the
masks are NumPy's by construction.  Two paths, as in NumPy: a ufunc called on a
masked array (``np.log(m)``, ``np.divide(m, n)``: MaskedArray's
``__array_wrap__``) masks its domain only; an operator (``m / n``, ``m ** 0.5``:
numpy.ma's own functions) also masks non-finite results of a domained ufunc
and of ``power``, while an undomained one (``m + n``) masks none.  In-place
operators are numpy.ma's too: ``m += x`` combines the masks first (with a
division's domain) and updates only the unmasked data; ``m **= x`` masks
invalid results; ``%=`` and the others are ufunc calls into ``m``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _elision
from .. import comm as _comm
from ..distarray import DistArray, aligned_block
from ._base import MaskedDistArray, install_methods

__all__ = ["masked_ufunc", "domain_of"]

_DOMAINS: dict = getattr(np.ma.core, "ufunc_domain", {})
#: Ufuncs whose numpy.ma function masks non-finite results without a domain table entry.
_INVALID_MASKED = {np.power: lambda *blocks: np.zeros((), bool)}


def domain_of(ufunc: np.ufunc, operator: bool = False) -> Any:
    """numpy.ma's domain test for ``ufunc`` (a callable on NumPy blocks giving True where invalid), or None.

    ``operator``: the test of numpy.ma's function behind a MaskedArray operator (``m ** x`` masks invalid
    results though ``power`` has no domain), not of the ufunc called on a masked array.
    """
    return _DOMAINS.get(ufunc) or (_INVALID_MASKED.get(ufunc) if operator else None)


def _data_of(x: Any) -> Any:
    if isinstance(x, MaskedDistArray):
        return x.data
    if np.ma.isMaskedArray(x):
        return np.ma.getdata(x)
    return x


def _mask_of(x: Any) -> Any:
    """The operand's mask (None when it has none)."""
    if isinstance(x, MaskedDistArray):
        return x.mask
    if np.ma.isMaskedArray(x):
        return np.ma.getmaskarray(x)
    return None


def _fill_value_of(inputs: tuple) -> Any:
    """numpy.ma's result keeps the first masked operand's explicit fill value as it is (None: the default)."""
    for x in inputs:
        if isinstance(x, MaskedDistArray):
            return x._fv
    return None


def _result_mask(result: DistArray, inputs: tuple, ufunc: np.ufunc, operator: bool) -> np.ndarray:
    """This rank's block of the result's mask: operands' masks OR'd, then the domain (and, for an operator,
    non-finite results)."""
    dist = result.distribution
    mask = np.zeros(dist.local_shape, dtype=bool)
    for x in inputs:
        m = _mask_of(x)
        if m is not None:
            mask |= np.asarray(aligned_block(m, dist), dtype=bool)
    outside = _outside_domain(result, inputs, ufunc, operator)
    if outside is not None:
        mask |= outside
        if operator and result.dtype.kind in "fc":
            mask |= ~np.isfinite(result.local)
    return mask


def _outside_domain(result: DistArray, inputs: tuple, ufunc: np.ufunc, operator: bool) -> np.ndarray | None:
    """This rank's block of where the operands are outside ``ufunc``'s domain (None: it has none)."""
    domain = domain_of(ufunc, operator)
    if domain is None:
        return None
    dist = result.distribution
    blocks = [np.asarray(aligned_block(_data_of(x), dist)) for x in inputs]
    with _comm.agreed(result.comm), np.errstate(all="ignore"):
        return np.broadcast_to(np.asarray(domain(*blocks), dtype=bool), dist.local_shape)


def masked_ufunc(ufunc: np.ufunc, method: str, *inputs: Any, operator: bool = False, **kwargs: Any) -> Any:
    """``ufunc`` applied with numpy.ma's masking rules (``where=`` is refused).

    ``operator``: numpy.ma's function's rules (``m / n``), not a ufunc call's (``np.divide(m, n)``): see the
    module's notes.  ``out=`` writes the data and gives a masked output the call's mask; ``reduce``,
    ``accumulate`` and ``reduceat`` read the data and ignore the mask, as NumPy's (the masked reductions are
    ``m.sum()``, ``np.sum(m)``).
    """
    if method in ("reduce", "accumulate", "reduceat"):
        return _data_method(ufunc, method, inputs, kwargs)
    if method != "__call__":
        return NotImplemented
    if kwargs.get("where", True) is not True:
        raise TypeError(f"nd.ma: {ufunc.__name__}(where=...) is not supported on masked arrays")
    if kwargs.get("out") is not None:
        return _call_into(ufunc, inputs, kwargs)
    datas = [_data_of(x) for x in inputs]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        results = ufunc(*datas, **kwargs)
    single = not isinstance(results, tuple)
    outputs = []
    for result in ((results,) if single else results):
        if not isinstance(result, DistArray):  # no distributed operand reached the ufunc
            return NotImplemented
        block = _result_mask(result, tuple(inputs), ufunc, operator)
        if result.ndim == 0 and block.all():  # (a 0-d result's block is on every rank: every rank agrees)
            outputs.append(np.ma.masked)  # numpy.ma's answer for a masked 0-d result, whichever path
            continue
        mask = DistArray._new(block, result.distribution)
        outputs.append(MaskedDistArray._new(result, mask, _fill_value_of(tuple(inputs))))
    return outputs[0] if single else tuple(outputs)


def _call_into(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> Any:
    """``ufunc(..., out=...)``: NumPy's ufunc writes the data; a masked ``out`` takes the mask a ufunc call
    gives (the operands' masks and the domain); a plain ``out`` none.

    As NumPy's ``__array_wrap__``, the domain is tested after the call, on the operands as they are then: an
    output that is also an operand (``np.log(m, out=m)``, ``m %= x``) is tested on its new values.
    """
    out = kwargs.pop("out")
    outs = out if isinstance(out, tuple) else (out,)
    targets = tuple(o.data if isinstance(o, MaskedDistArray) else o for o in outs)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        results = ufunc(*[_data_of(x) for x in inputs], out=targets, **kwargs)
    results = results if isinstance(results, tuple) else (results,)
    # A masked output, or one NumPy allocated (out=(..., None)), takes the call's mask.
    outputs = [o if isinstance(o, MaskedDistArray) else
               MaskedDistArray._new(r, DistArray._new(np.zeros(r.distribution.local_shape, bool), r.distribution),
                                    _fill_value_of(inputs)) if o is None and isinstance(r, DistArray) else r
               for o, r in zip(outs, results)]
    masked = [(o, _result_mask(o.data, inputs, ufunc, False), _outside_domain(o.data, inputs, ufunc, False))
              for o in outputs if isinstance(o, MaskedDistArray)]
    for o, block, outside in masked:  # (every mask computed before any is replaced: an output may be an operand)
        o.mask = DistArray._new(block, o.data.distribution)
        if outside is not None:  # NumPy's __array_wrap__ also puts the ufunc's fill value there
            np.copyto(o.data.local, _domain_fill(ufunc, o), where=outside, casting="unsafe")
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def _domain_fill(ufunc: np.ufunc, out: MaskedDistArray) -> Any:
    """What numpy.ma writes where the operands are outside ``ufunc``'s domain (its table, else the fill value)."""
    fills = getattr(np.ma.core, "ufunc_fills", {}).get(ufunc)
    if fills is None:
        return out.fill_value
    return fills[-1] if isinstance(fills, tuple) else fills


def _data_method(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """``np.add.reduce(m)`` and kin: as NumPy's, the method reads the data and ignores the mask, and the
    result is a masked array with nothing masked."""
    if kwargs.get("out") is not None:
        raise TypeError(f"nd.ma: {ufunc.__name__}.{method}(out=...) is not supported on masked arrays")
    result = getattr(ufunc, method)(*[_data_of(x) for x in inputs], **kwargs)
    if not isinstance(result, DistArray):
        return result
    unmasked = DistArray._new(np.zeros(result.distribution.local_shape, bool), result.distribution)
    return MaskedDistArray._new(result, unmasked, _fill_value_of(inputs))


def _check_inplace(ufunc: np.ufunc, m: MaskedDistArray, value: Any, masks_first: bool = False,
                   divides: bool = False) -> None:
    """numpy.ma's errors for ``m <op>= value``, in its order, from global metadata on every rank (before any
    rank slices its block): shapes that do not broadcast together (its ``np.where``), an output cast
    ``same_kind`` refuses, a broadcast shape that is not ``m``'s.  Its mask update (``masks_first``: a masked
    operand's mask OR'd into ``m``'s; ``divides``: the domain's too) checks that last one before the cast."""

    def fits_m() -> None:
        if shape != m.shape:
            raise ValueError(f"non-broadcastable output operand with shape {m.shape} doesn't match the broadcast "
                             f"shape {shape}")

    shape = np.broadcast_shapes(np.shape(value), m.shape)
    if masks_first or divides:
        fits_m()
    ufunc.resolve_dtypes((m.dtype, value.dtype, m.dtype), casting="same_kind")
    fits_m()


def _inplace(ufunc: np.ufunc, neutral: int, divides: bool = False) -> Any:
    """``m += x`` and kin as numpy.ma's: the masks combine first (with a division's domain), then the data is
    updated in place where unmasked (masked places get ``neutral``, leaving their data as it was)."""

    def op(self: MaskedDistArray, other: Any) -> Any:
        if not isinstance(other, (MaskedDistArray, DistArray, np.ndarray, np.generic, int, float, complex, bool)):
            return NotImplemented
        dist = self.data.distribution
        value = _data_of(other)
        value = value if isinstance(value, DistArray) else np.asarray(value)  # (numpy.ma's getdata: no weak scalar)
        _check_inplace(ufunc, self, value, masks_first=_mask_of(other) is not None, divides=divides)
        block = np.broadcast_to(np.asarray(aligned_block(value, dist)), dist.local_shape)
        mask = self.mask.local.copy()
        other_mask = _mask_of(other)
        if other_mask is not None:
            mask |= np.broadcast_to(np.asarray(aligned_block(other_mask, dist), dtype=bool), mask.shape)
        if divides:
            with _comm.agreed(self.comm), np.errstate(all="ignore"):
                domain = np.asarray(_DOMAINS[np.true_divide](self.data.local, block), dtype=bool)
            block = np.where(domain, value.dtype.type(1), block)
            mask |= domain
        self.mask = DistArray._new(mask, dist)
        filled = DistArray._new(np.where(mask, value.dtype.type(neutral), block), dist)
        ufunc(self.data, filled, out=(self.data,))
        return self

    op.__name__ = f"__i{ufunc.__name__}__"
    return op


def _inplace_power(self: MaskedDistArray, other: Any) -> Any:
    """``m **= x`` as numpy.ma's: masked places raised to 1, invalid results masked and set to the fill value."""
    if not isinstance(other, (MaskedDistArray, DistArray, np.ndarray, np.generic, int, float, complex, bool)):
        return NotImplemented
    dist = self.data.distribution
    value = _data_of(other)
    value = value if isinstance(value, DistArray) else np.asarray(value)
    _check_inplace(np.power, self, value)
    block = np.broadcast_to(np.asarray(aligned_block(value, dist)), dist.local_shape)
    filled = DistArray._new(np.where(self.mask.local, value.dtype.type(1), block), dist)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.power(self.data, filled, out=(self.data,))
    data = self.data.local
    invalid = ~np.isfinite(data) if data.dtype.kind in "fc" else np.zeros(data.shape, bool)
    np.copyto(data, self.fill_value, where=invalid, casting="unsafe")
    mask = self.mask.local | invalid
    other_mask = _mask_of(other)
    if other_mask is not None:
        mask |= np.broadcast_to(np.asarray(aligned_block(other_mask, dist), dtype=bool), mask.shape)
    self.mask = DistArray._new(mask, dist)
    return self


def _array_ufunc(self: MaskedDistArray, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    for x in inputs:
        if not isinstance(x, (MaskedDistArray, DistArray, np.ndarray, np.generic, int, float, complex, bool)):
            return NotImplemented
    return masked_ufunc(ufunc, method, *inputs, **kwargs)


def _strong(x: Any) -> Any:
    """A Python scalar as the 0-d array numpy.ma's operators make of it (``getdata``: no NEP 50 weak scalar)."""
    return np.asarray(x) if type(x) in (int, float, complex) else x


def _operator(ufunc: np.ufunc, reflected: bool = False) -> Any:
    """``m <op> x`` as numpy.ma's operators do it: ``x`` a Python scalar promotes as a 0-d array
    (``uint8 - 1`` is int64 there, while ``np.subtract(m, 1)`` keeps NEP 50's uint8)."""

    def op(self: MaskedDistArray, other: Any) -> Any:
        if not isinstance(other, (MaskedDistArray, DistArray, np.ndarray, np.generic, int, float, complex, bool)):
            return NotImplemented
        operands = (_strong(other), self) if reflected else (self, _strong(other))
        return masked_ufunc(ufunc, "__call__", *operands, operator=True)

    op.__name__ = f"__{'r' if reflected else ''}{ufunc.__name__}__"
    return op


# numpy.ma's MaskedArray defines these operators (``%`` is ndarray's: a ufunc call, NEP 50 scalars, domain only).
_ARITHMETIC = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "truediv": np.true_divide,
               "floordiv": np.floor_divide, "pow": np.power}

_elision.yield_operators_to(MaskedDistArray)  # ``d / m`` is ``m.__rtruediv__(d)``, as ``ndarray / MaskedArray``
install_methods(__iadd__=_inplace(np.add, 0), __isub__=_inplace(np.subtract, 0), __imul__=_inplace(np.multiply, 1),
                __itruediv__=_inplace(np.true_divide, 1, divides=True),
                __ifloordiv__=_inplace(np.floor_divide, 1, divides=True), __ipow__=_inplace_power)
install_methods(__array_ufunc__=_array_ufunc,
                **{f"__{name}__": _operator(u) for name, u in _ARITHMETIC.items()},
                **{f"__r{name}__": _operator(u, reflected=True) for name, u in _ARITHMETIC.items()})
