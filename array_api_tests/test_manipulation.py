"""Manipulation, indexing, set, sorting and linear algebra functions vs array_api_strict."""

from __future__ import annotations

import array_api_strict as strict
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numpy_dist as nd

from ._oracle import CASES, check, np_arrays, rtol_for, xps


def cases() -> st.SearchStrategy[str]:
    return st.sampled_from(CASES)


@given(data=st.data())
def test_concat_stack(data: st.DataObject) -> None:
    dt = data.draw(xps.scalar_dtypes())
    a = data.draw(np_arrays(dt, (3, 2)), label="a")
    b = data.draw(np_arrays(dt, (3, 2)), label="b")
    axis = data.draw(st.sampled_from([0, 1, -1, None]), label="axis")
    check(lambda x, y: nd.concat([x, y], axis=axis), lambda x, y: strict.concat([x, y], axis=axis), (a, b),
          case=data.draw(cases()))
    if axis is not None:
        check(lambda x, y: nd.stack((x, y), axis=axis), lambda x, y: strict.stack((x, y), axis=axis), (a, b),
              case=data.draw(cases()))


@given(data=st.data())
def test_shape_functions(data: st.DataObject) -> None:
    x = data.draw(np_arrays(data.draw(xps.scalar_dtypes()), (2, 1, 3)), label="x")
    case = data.draw(cases())
    name, kwargs = data.draw(st.sampled_from([
        ("expand_dims", {"axis": 0}), ("expand_dims", {"axis": -1}), ("expand_dims", {"axis": 5}),
        ("flip", {}), ("flip", {"axis": 2}), ("flip", {"axis": (0, 2)}),
        ("permute_dims", {"axes": (2, 0, 1)}), ("reshape", {"shape": (3, 2)}), ("reshape", {"shape": (-1,)}),
        ("reshape", {"shape": (4, 2)}), ("roll", {"shift": 2}), ("roll", {"shift": (1, -1), "axis": (0, 2)}),
        ("squeeze", {"axis": 1}), ("squeeze", {"axis": 0}), ("matrix_transpose", {}),
        ("repeat", {"repeats": 2, "axis": 2}), ("repeat", {"repeats": 2}), ("unstack", {"axis": 2}),
        ("unstack", {}), ("broadcast_to", {"shape": (4, 2, 5, 3)}),
    ]), label="function")
    check(lambda a: getattr(nd, name)(a, **kwargs), lambda a: getattr(strict, name)(a, **kwargs), (x,), case=case)


@given(data=st.data())
def test_positional_manipulation(data: st.DataObject) -> None:
    x = data.draw(np_arrays(np.int32, (3, 2)), label="x")
    case = data.draw(cases())
    check(lambda a: nd.moveaxis(a, 0, -1), lambda a: strict.moveaxis(a, 0, -1), (x,), case=case)
    check(lambda a: nd.tile(a, (2, 1)), lambda a: strict.tile(a, (2, 1)), (x,), case=case)
    y = data.draw(np_arrays(np.int32, (1, 2)), label="y")
    check(lambda a, b: nd.broadcast_arrays(a, b), lambda a, b: strict.broadcast_arrays(a, b), (x, y), case=case)
    assert nd.broadcast_shapes((3, 1), (4,)) == strict.broadcast_shapes((3, 1), (4,))


@given(data=st.data())
def test_take(data: st.DataObject) -> None:
    x = data.draw(np_arrays(np.float64, (4, 3)), label="x")
    idx = np.asarray(data.draw(st.lists(st.integers(-4, 3), max_size=5)), dtype=np.int64)
    axis = data.draw(st.sampled_from([0, -2]))
    check(lambda a, i: nd.take(a, i, axis=axis), lambda a, i: strict.take(a, i, axis=axis), (x, idx),
          case=data.draw(cases()))
    ind = data.draw(np_arrays(np.int64, (4, 2)).map(lambda a: np.abs(a) % 3), label="indices")
    check(lambda a, i: nd.take_along_axis(a, i, axis=1), lambda a, i: strict.take_along_axis(a, i, axis=1),
          (x, ind), case=data.draw(cases()))


@pytest.mark.parametrize("name", ["unique_all", "unique_counts", "unique_inverse", "unique_values"])
@given(data=st.data())
def test_unique(name: str, data: st.DataObject) -> None:
    x = data.draw(np_arrays(data.draw(xps.real_dtypes()), max_side=4), label="x")
    check(getattr(nd, name), getattr(strict, name), (x,), case=data.draw(cases()))


@given(data=st.data())
def test_isin(data: st.DataObject) -> None:
    x1 = data.draw(np_arrays(np.int16, (5,)), label="x1")
    x2 = data.draw(np_arrays(np.int16, (3,)), label="x2")
    check(nd.isin, strict.isin, (x1, x2), case=data.draw(cases()))
    # array_api_strict 2.6.1 ignores invert=True: NumPy is the oracle there.
    check(lambda a, b: nd.isin(a, b, invert=True), lambda a, b: np.isin(a._array, b._array, invert=True), (x1, x2),
          case=data.draw(cases()))


@pytest.mark.parametrize("name", ["sort", "argsort"])
@given(data=st.data())
def test_sort(name: str, data: st.DataObject) -> None:
    x = data.draw(np_arrays(data.draw(xps.real_dtypes()), min_dims=1), label="x")
    kwargs = {"axis": data.draw(st.integers(-x.ndim, x.ndim - 1)), "descending": data.draw(st.booleans()),
              "stable": True}
    check(getattr(nd, name), getattr(strict, name), (x,), kwargs, case=data.draw(cases()))


@given(data=st.data())
def test_linear_algebra(data: st.DataObject) -> None:
    dt = data.draw(xps.floating_dtypes())
    # Moderate finite values: with overflow the result depends on the summation order.
    small = st.integers(-8, 8).map(float)
    a = data.draw(hnp.arrays(dt, (3, 4), elements=small), label="a")
    b = data.draw(hnp.arrays(dt, (4, 2), elements=small), label="b")
    v = data.draw(hnp.arrays(dt, (2, 4), elements=small), label="v")
    case, tol = data.draw(cases()), rtol_for(dt)
    check(nd.matmul, strict.matmul, (a, b), case=case, rtol=tol)
    check(lambda x, y: nd.tensordot(x, y, axes=1), lambda x, y: strict.tensordot(x, y, axes=1), (a, b), case=case,
          rtol=tol)
    check(nd.vecdot, strict.vecdot, (a[:2], v), case=case, rtol=tol)
    check(nd.linalg.outer, strict.linalg.outer, (a[0], b[:, 0]), case=case, rtol=tol)
    check(lambda x: nd.linalg.vector_norm(x, axis=1, keepdims=True),
          lambda x: strict.linalg.vector_norm(x, axis=1, keepdims=True), (a,), case=case, rtol=tol)


def test_linalg_fallbacks_give_arrays() -> None:
    m = nd.asarray(np.array([[4.0, 1.0], [1.0, 3.0]]))
    assert isinstance(nd.linalg.det(m), nd.DistArray) and nd.linalg.det(m).shape == ()
    s, logdet = nd.linalg.slogdet(m)
    assert s.shape == () and abs(float(logdet) - np.log(11.0)) < 1e-12
    w, v = nd.linalg.eigh(m)
    assert np.allclose(nd.asnumpy(w), np.linalg.eigvalsh(np.asarray(m)))
    assert float(nd.linalg.matrix_rank(m)) == 2
    assert np.allclose(nd.asnumpy(nd.linalg.inv(m) @ m), np.eye(2))


@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_fftfreq_native(n: int) -> None:
    assert np.array_equal(nd.asnumpy(nd.fft.fftfreq(n, d=0.5)), np.fft.fftfreq(n, d=0.5))
    assert np.array_equal(nd.asnumpy(nd.fft.rfftfreq(n)), np.fft.rfftfreq(n))
    x = nd.arange(n * 2)
    assert np.array_equal(nd.asnumpy(nd.fft.fftshift(x)), np.fft.fftshift(np.arange(n * 2)))
    assert np.array_equal(nd.asnumpy(nd.fft.ifftshift(x)), np.fft.ifftshift(np.arange(n * 2)))


@given(data=st.data())
def test_fft(data: st.DataObject) -> None:
    dt = data.draw(xps.complex_dtypes())
    x = data.draw(np_arrays(dt, (4, 3), ).filter(lambda a: np.isfinite(a).all()), label="x")
    check(lambda a: nd.fft.fft(a, axis=0), lambda a: strict.fft.fft(a, axis=0), (x,), rtol=rtol_for(dt))
