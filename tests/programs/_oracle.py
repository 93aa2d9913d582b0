"""Run an analysis on NumPy data and on the same data distributed; compare what comes out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import numpy_dist as nd


def gathered(x: Any) -> Any:
    """A result of the distributed run as NumPy data (DistArrays gathered on purpose)."""
    if isinstance(x, nd.DistArray):
        return nd.asnumpy(x)
    if isinstance(x, (tuple, list)):
        return type(x)(gathered(v) for v in x)
    if isinstance(x, dict):
        return {k: gathered(v) for k, v in x.items()}
    return x


def compare(name: str, got: Any, expected: Any, rtol: float = 1e-9, atol: float = 1e-12) -> None:
    """Raise AssertionError naming ``name`` unless ``got`` matches ``expected`` (value, shape, dtype)."""
    if isinstance(expected, dict):
        for k in expected:
            compare(f"{name}.{k}", got[k], expected[k], rtol, atol)
        return
    if isinstance(expected, (tuple, list)):
        assert len(got) == len(expected), f"{name}: {len(got)} results, NumPy has {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            compare(f"{name}[{i}]", g, e, rtol, atol)
        return
    g, e = np.asarray(got), np.asarray(expected)
    assert g.shape == e.shape, f"{name}: shape {g.shape}, NumPy {e.shape}"
    assert g.dtype == e.dtype, f"{name}: dtype {g.dtype}, NumPy {e.dtype}"
    if e.dtype.names:  # records: field by field (float fields with the float tolerance)
        for field in e.dtype.names:
            compare(f"{name}[{field!r}]", g[field], e[field], rtol, atol)
        return
    if e.dtype.kind in "fc":
        assert np.allclose(g, e, rtol=rtol, atol=atol, equal_nan=True), f"{name}: values differ from NumPy's"
    else:
        assert np.array_equal(g, e), f"{name}: values differ from NumPy's"


def run_both(analysis: Callable[..., dict], inputs: dict, distribute: Callable[[np.ndarray], Any],
             rtol: float = 1e-9, atol: float = 1e-12) -> dict:
    """``analysis(**inputs)`` on NumPy arrays and on DistArrays (``distribute`` of each array); compared.

    The distributed run goes with the fallback set to ``"error"``: any
    whole-array gather there fails the program.
    """
    expected = analysis(**{k: np.copy(v) if isinstance(v, np.ndarray) else v for k, v in inputs.items()})
    old = nd.set_fallback("error")
    try:
        got = analysis(**{k: distribute(v) if isinstance(v, np.ndarray) else v for k, v in inputs.items()})
    finally:
        nd.set_fallback(old)
    got = gathered(got)
    compare(analysis.__name__, got, expected, rtol, atol)
    return got
