"""The namespace itself: names, signatures, creation and data type functions, inspection, array-api-compat."""

from __future__ import annotations

import inspect
import itertools
import pickle

import array_api_compat
import array_api_strict as strict
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import assert_all_ranks

from ._oracle import check, from_strict, np_arrays, sname, xps

STRICT_ONLY = {"Device", "set_array_api_strict_flags", "get_array_api_strict_flags",
               "reset_array_api_strict_flags", "ArrayAPIStrictFlags", "__version__"}
NAMES = sorted(set(strict.__all__) - STRICT_ONLY)
# numpy_dist's own creation functions take extra (non-standard) arguments first.
ALL_DTYPES = [getattr(nd, n) for n in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                                       "uint64", "float32", "float64", "complex64", "complex128")]
STRICT_DTYPES = [getattr(strict, d.name if d.name != "bool" else "bool") for d in ALL_DTYPES]


def test_version_and_namespace() -> None:
    assert nd.__array_api_version__ == "2025.12"
    x = nd.asarray([1.0, 2.0])
    for v in (None, "2023.12", "2024.12", "2025.12"):
        assert x.__array_namespace__(api_version=v) is nd
    with pytest.raises(ValueError):
        x.__array_namespace__(api_version="2021.12")


@pytest.mark.parametrize("name", NAMES)
def test_has_name(name: str) -> None:
    assert hasattr(nd, name), f"numpy_dist lacks {name}"


def _params(func):
    try:
        return inspect.signature(func).parameters
    except (TypeError, ValueError):
        return None


@pytest.mark.parametrize("name", [n for n in NAMES if callable(getattr(strict, n)) and not isinstance(getattr(strict, n), type)]
                         + [f"linalg.{n}" for n in strict.linalg.__all__] + [f"fft.{n}" for n in strict.fft.__all__])
def test_signature(name: str) -> None:
    """Every parameter of the standard's signature exists with a compatible kind."""
    ns, _, attr = name.rpartition(".")
    theirs = _params(getattr(getattr(strict, ns) if ns else strict, attr))
    ours = _params(getattr(getattr(nd, ns) if ns else nd, attr))
    assert theirs is not None and ours is not None
    P = inspect.Parameter
    our_list = list(ours.values())
    for i, p in enumerate(theirs.values()):
        if p.kind is P.POSITIONAL_ONLY:
            assert i < len(our_list) and our_list[i].kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD, P.VAR_POSITIONAL), \
                f"{name}: positional parameter {i} ({p.name}) missing"
        elif p.kind is P.VAR_POSITIONAL:
            assert any(q.kind is P.VAR_POSITIONAL for q in our_list), f"{name}: *{p.name} missing"
        else:
            q = ours.get(p.name)
            assert q is not None and q.kind in (P.KEYWORD_ONLY, P.POSITIONAL_OR_KEYWORD), f"{name}: {p.name}= missing"
            if p.default is not P.empty:
                assert q.default is not P.empty, f"{name}: {p.name} must be optional"


def test_constants_and_dtypes() -> None:
    assert nd.e == np.e and nd.pi == np.pi and nd.inf == np.inf and np.isnan(nd.nan) and nd.newaxis is None
    for d in ALL_DTYPES:
        assert nd.asarray(np.zeros(2, d)).dtype == d
    assert len(set(ALL_DTYPES)) == 13


def test_dtypes_equal_only_what_they_stand_for() -> None:
    """Namespace dtypes equal their NumPy dtype and scalar type, never None or a name."""
    for d in ALL_DTYPES:
        assert d == d.dtype and d.dtype == d and d == d.dtype.type and d.dtype.type == d
        assert np.dtype(d) == d.dtype and hash(d) == hash(d.dtype)
        assert d != None and not (d == None) and d != d.name  # noqa: E711 - the point of the test
        assert pickle.loads(pickle.dumps(d)) is d
        assert np.zeros(2, dtype=d).dtype == d and nd.zeros((2,), dtype=d).dtype == d
    assert nd.float64 != nd.float32 and nd.float64 != np.float32
    assert np.issubdtype(nd.float32, np.floating) and nd.float64.kind == "f" and nd.int8.itemsize == 1
    # the suite's dtype tables look keys up with ==: bool does not promote to float64
    assert not nd.can_cast(nd.bool, nd.float64) and nd.can_cast(nd.float32, nd.float64)


@pytest.mark.parametrize("d1,d2", list(itertools.product(range(13), repeat=2)))
def test_promotion_functions(d1: int, d2: int) -> None:
    a, b = ALL_DTYPES[d1], ALL_DTYPES[d2]
    sa, sb = STRICT_DTYPES[d1], STRICT_DTYPES[d2]
    assert nd.can_cast(a, b) == strict.can_cast(sa, sb)
    try:
        expected = strict.result_type(sa, sb)
    except TypeError:
        with pytest.raises(TypeError):
            nd.result_type(a, b)
        return
    assert nd.result_type(a, b).name == sname(expected)
    assert nd.isdtype(a, "numeric") == strict.isdtype(sa, "numeric")
    assert nd.isdtype(a, ("integral", "bool")) == strict.isdtype(sa, ("integral", "bool"))


@pytest.mark.parametrize("i", range(13))
def test_result_type_with_scalars(i: int) -> None:
    d, sd = ALL_DTYPES[i], STRICT_DTYPES[i]
    for s in (True, 1, 1.0, 1j):
        try:
            expected = sname(strict.result_type(sd, s))
        except TypeError:
            continue
        assert nd.result_type(d, s).name == expected, (d, s)


@pytest.mark.parametrize("i", range(13))
def test_finfo_iinfo(i: int) -> None:
    d, sd = ALL_DTYPES[i], STRICT_DTYPES[i]
    if d.kind in "fc":
        ours, theirs = nd.finfo(d), strict.finfo(sd)
        for attr in ("bits", "eps", "max", "min", "smallest_normal"):
            assert getattr(ours, attr) == getattr(theirs, attr) and isinstance(getattr(ours, attr), float | int)
        assert ours.dtype.name == sname(theirs.dtype)
        assert nd.finfo(nd.ones(2, dtype=d)).bits == ours.bits
        with pytest.raises(ValueError):
            nd.iinfo(d)
    elif d.kind in "iu":
        ours, theirs = nd.iinfo(d), strict.iinfo(sd)
        assert (ours.bits, ours.min, ours.max) == (theirs.bits, theirs.min, theirs.max)


@given(data=st.data())
def test_astype(data: st.DataObject) -> None:
    d1, d2 = data.draw(xps.scalar_dtypes()), data.draw(xps.scalar_dtypes())
    x = data.draw(np_arrays(d1).filter(lambda a: d1.kind != "c" or d2.kind == "c"), label="x")
    if d2.kind in "iu" and d1.kind in "fc":
        x = np.nan_to_num(x).clip(-100, 100)  # out-of-range float -> int casts are unspecified
    sd2 = getattr(strict, d2.name)
    check(lambda a: nd.astype(a, d2), lambda a: strict.astype(a, sd2), (x,))
    y = nd.asarray(x)
    assert nd.astype(y, d1, copy=False) is y


# -- creation ----------------------------------------------------------------------


@pytest.mark.parametrize("call", [
    "arange(5)", "arange(1, 10, 3)", "arange(2.0, -3.0, -0.5)", "arange(0, 10, 2, dtype={int16})",
    "linspace(0, 1, num=5)", "linspace(0, 1, num=4, endpoint=False)", "linspace(-1, 1, num=0)",
    "zeros((2, 3))", "ones(4, dtype={int8})", "empty_like(zeros((2, 2)))", "full((2, 2), 7)", "full(3, True)",
    "full((2,), 1.5, dtype={float32})", "eye(3)", "eye(3, 4, k=1)", "eye(2, 5, k=-1, dtype={int32})",
    "zeros_like(ones((2,), dtype={uint8}))", "ones_like(zeros((3,)))", "full_like(zeros((2, 2)), 4)",
    "asarray([1, 2, 3])", "asarray(2.5)", "asarray([[True, False]])", "asarray([1, 2], dtype={float32})",
    "tril(ones((3, 4)), k=1)", "triu(ones((2, 3, 3)), k=-1)",
])
def test_creation(call: str) -> None:
    def run(ns):
        code = call.replace("{", "ns.").replace("}", "")
        code = code.replace("zeros(", "ns.zeros(").replace("ones(", "ns.ones(")
        head, _, rest = code.partition("(")
        head = head.replace("ns.", "")
        return eval(f"ns.{head}({rest}", {"ns": ns})

    nd_out, strict_out = run(nd), run(strict)
    if call.startswith("empty"):
        assert nd_out.shape == strict_out.shape and nd_out.dtype.name == sname(strict_out.dtype)
        return
    got, expected = nd.asnumpy(nd_out), from_strict(strict_out)
    ok = got.shape == expected.shape and got.dtype == expected.dtype and np.allclose(got, expected)
    assert_all_ranks(ok, f"{call}: {got!r} vs {expected!r}")


def test_meshgrid() -> None:
    a, b = np.arange(3.0), np.arange(4.0)
    for indexing in ("xy", "ij"):
        ours = nd.meshgrid(nd.asarray(a), nd.asarray(b), indexing=indexing)
        theirs = strict.meshgrid(strict.asarray(a), strict.asarray(b), indexing=indexing)
        assert all(np.array_equal(nd.asnumpy(o), from_strict(t)) for o, t in zip(ours, theirs))


def test_creation_errors() -> None:
    with pytest.raises(ValueError):
        nd.asarray([1, 2], copy=False)
    with pytest.raises(ValueError):
        nd.tril(nd.ones(3))
    with pytest.raises(ValueError):
        nd.fft.fftfreq(4, device="gpu")


def test_from_dlpack() -> None:
    x = np.arange(4.0)
    if MPI.COMM_WORLD.Get_size() == 1:
        assert np.array_equal(nd.asnumpy(nd.from_dlpack(x)), x)
    else:
        with pytest.raises(BufferError):
            nd.from_dlpack(x)
    d = nd.asarray(x)
    assert nd.from_dlpack(d) is d


# -- inspection --------------------------------------------------------------------


def test_namespace_info() -> None:
    info, sinfo = nd.__array_namespace_info__(), strict.__array_namespace_info__()
    caps = info.capabilities()
    assert caps["boolean indexing"] and caps["data-dependent shapes"] and caps["max dimensions"] >= 8
    assert set(sinfo.capabilities()) <= set(caps)
    assert info.default_device() == "cpu" and tuple(info.devices()) == ("cpu",)
    assert {k: v.name for k, v in info.default_dtypes().items()} == \
        {k: sname(v) for k, v in sinfo.default_dtypes(device=sinfo.default_device()).items()}
    for kind in (None, "bool", "signed integer", "unsigned integer", "integral", "real floating",
                 "complex floating", "numeric", ("bool", "real floating")):
        assert set(info.dtypes(kind=kind)) == set(sinfo.dtypes(kind=kind)), kind
    with pytest.raises(ValueError):
        info.dtypes(kind="text")


# -- array-api-compat ------------------------------------------------------------------


def test_array_api_compat_sees_numpy_dist() -> None:
    x = nd.asarray(np.arange(6.0).reshape(2, 3), dist="c")
    assert array_api_compat.array_namespace(x) is nd
    assert array_api_compat.array_namespace(x, nd.ones(2), 3.0) is nd  # Python scalars are ignored
    assert array_api_compat.is_array_api_obj(x)
    assert not array_api_compat.is_numpy_array(x)
    assert array_api_compat.device(x) == "cpu"
    assert array_api_compat.size(x) == 6


@pytest.mark.parametrize("shape", [(), (0,), (1,), (5,), (3, 4)])
def test_is_lazy_array_is_collective(shape: tuple) -> None:
    """``is_lazy_array`` indexes one element and calls bool(): collective, same answer everywhere."""
    x = nd.asarray(np.ones(shape))
    verdict = array_api_compat.is_lazy_array(x)
    answers = MPI.COMM_WORLD.allgather(verdict)
    assert answers == [False] * len(answers)


def test_mixing_with_numpy_arrays() -> None:
    """A DistArray and a NumPy array have two namespaces: array_namespace refuses to choose.

    Convert explicitly (``numpy_dist.asarray(np_array)``, same data on every
    rank) or gather (``numpy_dist.asnumpy(d)``).  NumPy's own functions, by
    contrast, accept the mix and dispatch to numpy_dist.
    """
    x = nd.asarray(np.arange(3.0))
    with pytest.raises(TypeError, match="Multiple namespaces"):
        array_api_compat.array_namespace(x, np.ones(3))
    xp = array_api_compat.array_namespace(x, nd.asarray(np.ones(3)))
    assert isinstance(np.add(x, np.ones(3)), nd.DistArray)
    assert isinstance(xp.add(x, nd.asarray(np.ones(3))), nd.DistArray)


def test_hypothesis_strategies_namespace() -> None:
    """``make_strategies_namespace(numpy_dist)`` works and its arrays are DistArrays."""
    from hypothesis import settings

    seen = []

    @settings(max_examples=5)
    @given(x=xps.arrays(dtype=xps.scalar_dtypes(), shape=xps.array_shapes(max_dims=2, max_side=3)))
    def inner(x):
        assert isinstance(x, nd.DistArray)
        seen.append(x.shape)

    inner()
    assert seen


def test_extensions_import_by_name():
    # ``import numpy_dist.linalg`` and ``from numpy_dist.fft import fft`` work as numpy.linalg's do.
    import importlib

    import numpy_dist as nd

    assert importlib.import_module("numpy_dist.linalg") is nd.linalg
    assert importlib.import_module("numpy_dist.fft") is nd.fft
    from numpy_dist.fft import fft  # noqa: F401
    from numpy_dist.linalg import vector_norm  # noqa: F401


def test_namespace_refuses_dtypes_outside_the_standard():
    # Records, strings, dates and objects are NumPy's: the namespace's functions raise TypeError on every
    # rank (before any communication), while NumPy's functions take them.
    import numpy as np

    import numpy_dist as nd

    samples = [np.array([(1, 2.0), (0, 1.0)], dtype=[("a", "i4"), ("b", "f8")]), np.array(["b", "a"]),
               np.array(["2020-01-02", "2020-01-01"], dtype="M8[D]"), np.array([1, 2], dtype="m8[s]")]
    for x in samples:
        d = nd.asarray(x)
        for f in (nd.sum, nd.max, nd.sort, nd.argsort, nd.unique_values, nd.abs, lambda a: nd.equal(a, a),
                  lambda a: nd.reshape(a, (2, 1)), nd.flip):
            with pytest.raises(TypeError, match="not an array API standard dtype"):
                f(d)
        assert nd.asnumpy(np.sort(d)).tolist() == np.sort(x).tolist()
