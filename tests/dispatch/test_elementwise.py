"""Differential tests of elementwise non-ufunc functions, 1-d products and norms (NumPy is the oracle).

``where`` (3 arguments), ``clip``, ``round``/``around``, ``isclose``,
``allclose``, ``array_equal``, ``real``/``imag``/``conj``, ``nan_to_num``,
``dot``/``vdot``/``inner`` of vectors, ``np.linalg.norm`` (vector orders;
matrix 'fro', 1, -1, inf, -inf with axes).  ``NUMPY_DIST_EXHAUSTIVE=1``
runs every distribution case x dtype instead of a rotation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import SHAPES_1D, SHAPES_2D, assert_all_ranks, assert_dist_equal, dist_cases, distribute, rng_data

from tests.dispatch._helpers import pick, public_exc, run_subcases, compare, check  # noqa: E402

COMM = MPI.COMM_WORLD
DTYPES = [np.bool_, np.int8, np.int64, np.uint32, np.float32, np.float64, np.complex128]
DTYPE_IDS = [np.dtype(d).name for d in DTYPES]


# --------------------------------------------------------------------------
# Helpers (collective: every rank runs them alike)
# --------------------------------------------------------------------------


def data(shape, dt, seed: int, specials: bool = False) -> np.ndarray:
    x = rng_data(shape, dt, seed)
    if specials and x.dtype.kind in "fc" and x.size:
        flat = x.reshape(-1)
        for i, v in zip(range(0, flat.size, 3), [np.nan, np.inf, -np.inf, 0.0, 2.5, -2.5, 0.5]):
            flat[i] = v
    return x


SHAPES = SHAPES_1D + SHAPES_2D
SHAPE_CASES = [(s, c) for s in SHAPES for c in dist_cases(len(s))]

# name -> (f, number of array arguments); f is called with NumPy arrays and with DistArrays alike.
FUNCS = {
    "where": (lambda c, x, y: np.where(c, x, y), 3),
    "where_scalar_y": (lambda c, x, y: np.where(c, x, 0), 3),
    "where_scalars": (lambda c, x, y: np.where(c, 1.5, -1), 3),
    "clip": (lambda x: np.clip(x, -5, 5), 1),
    "clip_arrays": (lambda x, lo, hi: np.clip(x, lo, hi), 3),
    "clip_min_only": (lambda x: np.clip(x, 0, None), 1),
    "clip_kw": (lambda x: np.clip(x, min=-3, max=3), 1),
    "clip_none": (lambda x: np.clip(x, None, None), 1),
    "round": (lambda x: np.round(x), 1),
    "round_2": (lambda x: np.round(x, 2), 1),
    "round_neg": (lambda x: np.round(x, -1), 1),
    "around": (lambda x: np.around(x, 1), 1),
    "isclose": (lambda x, y: np.isclose(x, y), 2),
    "isclose_self_nan": (lambda x, y: np.isclose(x, x, equal_nan=True), 2),
    "isclose_tol": (lambda x, y: np.isclose(x, y, rtol=0.5, atol=3), 2),
    "allclose": (lambda x, y: np.allclose(x, y), 2),
    "allclose_self": (lambda x, y: np.allclose(x, x), 2),
    "allclose_self_nan": (lambda x, y: np.allclose(x, x, equal_nan=True), 2),
    "array_equal": (lambda x, y: np.array_equal(x, y), 2),
    "array_equal_self": (lambda x, y: np.array_equal(x, x), 2),
    "array_equal_nan": (lambda x, y: np.array_equal(x, x, equal_nan=True), 2),
    "real": (lambda x: np.real(x), 1),
    "imag": (lambda x: np.imag(x), 1),
    "conj": (lambda x: np.conj(x), 1),
    "conjugate": (lambda x: np.conjugate(x), 1),
    "nan_to_num": (lambda x: np.nan_to_num(x), 1),
    "nan_to_num_kw": (lambda x: np.nan_to_num(x, nan=-1.0, posinf=9.0, neginf=-9.0), 1),
}


@pytest.mark.parametrize("dt", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("name", list(FUNCS))
def test_elementwise(name, dt):
    f, nargs = FUNCS[name]
    k = list(FUNCS).index(name) * 7 + DTYPES.index(dt)

    def body(shape, case, specials, mix):
        if name.startswith("where"):
            xs = [rng_data(shape, np.bool_, k), data(shape, dt, k + 1, specials), data(shape, dt, k + 2, specials)]
        elif name == "clip_arrays":
            lo = -3 if np.dtype(dt).kind in "ifc" else 0
            xs = [data(shape, dt, k, specials), np.full(shape, lo).astype(dt), np.full(shape, 4).astype(dt)]
        else:
            x = data(shape, dt, k, specials)
            y = x.copy()
            if y.size and np.dtype(dt).kind != "b":
                y.reshape(-1)[-1] += 1  # differs in the last element (in the last rank's block)
            xs = [x, y][:nargs] if nargs <= 2 else [x, y, x]
        # mix: the second operand as a NumPy array (broadcast row when 2-d) instead of a DistArray
        ds = [distribute(v, case) for v in xs]
        if mix and nargs > 1:
            ds[1] = xs[1]
        check(f, xs, ds)

    items = [(s, c, (k + i) % 2 == 0, (k + i) % 3 == 0) for i, (s, c) in enumerate(pick(SHAPE_CASES, k, 3))]
    run_subcases(items, body)


BCAST = [((7, 4), (4,)), ((7, 4), (7, 1)), ((10,), ()), ((7, 1), (1, 4))]


@pytest.mark.parametrize("shapes", BCAST, ids=[f"{a}-{b}" for a, b in BCAST])
def test_where_clip_isclose_broadcast(shapes):
    sa, sb = shapes

    def body(case_a, case_b, which):
        x, y = rng_data(sa, np.float64, 1), rng_data(sb, np.float64, 2)
        c = rng_data(sa, np.bool_, 3)
        da = distribute(x, case_a)
        db = distribute(y, case_b) if sb else y
        dc = distribute(c, case_a)
        if which == "where":
            check(np.where, [c, x, y], [dc, da, db])
            check(np.where, [c, y, x], [dc, db, da])
        elif which == "clip":
            check(lambda a, b: np.clip(a, b, 100.0), [x, y], [da, db])
        else:
            check(np.isclose, [x, y], [da, db])

    combos = [(a, b) for a in dist_cases(len(sa)) for b in (dist_cases(len(sb)) if sb else ["replicated"])]
    k = BCAST.index(shapes)
    run_subcases([(a, b, ["where", "clip", "isclose"][i % 3]) for i, (a, b) in enumerate(pick(combos, k, 6))],
                 body)


ERRORS = [
    ("where_two_args", lambda c, x: np.where(c, x)),
    ("clip_both_none_ok", lambda c, x: np.clip(x, None, None)),
    ("clip_min_and_a_min", lambda c, x: np.clip(x, 0, 1, min=0)),
    ("where_bad_broadcast", lambda c, x: np.where(c, x, np.ones(3))),
    ("isclose_bad_broadcast", lambda c, x: np.isclose(x, np.ones(3))),
    ("array_equal_shapes_differ", lambda c, x: np.array_equal(x, np.ones(3))),
    ("allclose_bad_broadcast", lambda c, x: np.allclose(x, np.ones(3))),
    ("round_out", lambda c, x: np.round(x, 1, out=x * 0)),
    ("clip_out", lambda c, x: np.clip(x, -1, 1, out=x * 0)),
    # NumPy checks out's casting before its shape: TypeError, not ValueError
    ("clip_out_uncastable_and_wrong_shape", lambda c, x: np.clip(x, -1, 1, out=(x[:1, :1] * 0).astype(np.uint16))),
    ("nan_to_num_copy_false", lambda c, x: np.nan_to_num(x, copy=False)),
]


@pytest.mark.parametrize("name,f", ERRORS, ids=[e[0] for e in ERRORS])
def test_elementwise_errors_and_out(name, f):
    def body(case):
        x = data((7, 4), np.float64, 5, specials=True)
        c = rng_data((7, 4), np.bool_, 6)
        check(f, [c, x], [distribute(c, case), distribute(x, case)])

    run_subcases([(c,) for c in pick(dist_cases(2), ERRORS.index((name, f)), 3)], body)


ROUND_OUTS = [((5,), (5, 3)), ((5,), (5,)), ((5,), (3,)), ((6,), (2, 3)), ((1, 5), (5,)), ((5,), (2, 5)),
              ((), (1, 1)), ((0,), (3, 0)), ((4, 3), (4, 3))]


def test_round_checks_out_size_first():
    """Fuzz: NumPy's round compares out's size with the input's before anything else (ValueError
    'invalid output shape', even where the dtypes could not be cast: complex into int16)."""
    def body(a_shape, out_shape, dt, out_dt):
        x = (rng_data(a_shape, np.float64, 3) * 7).astype(dt)
        o = np.zeros(out_shape, out_dt)
        cases = dist_cases(len(out_shape)) if out_shape else ["replicated"]
        do = distribute(o, cases[len(a_shape) % len(cases)])
        dx = distribute(x, "block") if a_shape else nd.asarray(x)
        check(lambda a, out: np.round(a, 1, out=out), [x, o], [dx, do], quiet=True)

    items = [(a, o, dt, odt) for a, o in ROUND_OUTS
             for dt, odt in [(np.complex64, np.int16), (np.complex64, np.complex64), (np.float64, np.float64),
                             (np.complex64, np.float32), (np.float64, np.int16)]]
    items += [((5,), (1, 5), np.complex64, odt) for odt in (np.complex64, np.float32)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        run_subcases(items, body)


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "replicated"])
@pytest.mark.parametrize("out_case", ["last", "block", "grid_bb", "replicated"])
def test_round_broadcasts_into_a_larger_out(case, out_case):
    """np.round((5,) float64, out=(3, 5) DistArray) broadcasts the result into ``out``."""
    x = np.arange(5.0) + 0.66
    o = np.zeros((3, 5))
    check(lambda a, out: np.round(a, 1, out=out), [x, o], [distribute(x, case), distribute(o, out_case)])


_CAST_INTO_OUT = {
    "clip unsafe into int32": lambda a, o: np.clip(a, 0, 1, out=o(np.int32), casting="unsafe"),
    "clip into float32": lambda a, o: np.clip(a, 0, 1e301, out=o(np.float32)),
    "round into float32": lambda a, o: np.round(a, out=o(np.float32)),
}


@pytest.mark.parametrize("case", ["block", "cyclic", "unstructured", "grid_bb"])
@pytest.mark.parametrize("name", list(_CAST_INTO_OUT))
def test_casts_into_out_report_their_errors_on_every_rank(case, name):
    # A NaN or a float too large for out's dtype sits on one rank: every rank reports what NumPy reports, under
    # the ufunc's name, or raises under errstate.
    x = np.linspace(0.0, 5.0, 24).reshape(6, 4)
    x[0, 0], x[0, 3] = np.nan, 1e300
    f = _CAST_INTO_OUT[name]
    for mode in ("warn", "raise"):
        outcomes = []
        for a, make in ((x, lambda dt: np.zeros(x.shape, dt)),
                        (distribute(x, case), lambda dt: distribute(np.zeros(x.shape, dt), "block"))):
            with warnings.catch_warnings(record=True) as seen, np.errstate(invalid=mode, over=mode):
                warnings.simplefilter("always")
                try:
                    r = f(a, make)
                    outcomes.append((np.asarray(nd.asnumpy(r) if isinstance(r, nd.DistArray) else r).tolist(),
                                     sorted(str(w.message) for w in seen if w.category is RuntimeWarning)))
                except FloatingPointError as exc:
                    outcomes.append(("raised", str(exc)))
        same = outcomes[0] == outcomes[1] if outcomes[0][0] == "raised" else (
            np.array_equal(outcomes[0][0], outcomes[1][0], equal_nan=True) and outcomes[0][1] == outcomes[1][1])
        assert_all_ranks(same, f"{mode}: NumPy {outcomes[0]!r:.300}, numpy_dist {outcomes[1]!r:.300}")


@pytest.mark.parametrize("case", ["block", "cyclic", "replicated"])
def test_an_error_of_the_loop_with_a_cast_into_out_is_numpys(case):
    # NumPy reports the cast's FP flags while the loop's own error is pending: the capture must not hide it
    # (it raised SystemError: "<method 'get' of 'dict' objects> returned a result with an exception set").
    a = np.array([-2, -9, 2**62, 3], np.int64)
    b = np.array([-20, 12, -15, 2], np.int16)
    out = distribute(np.zeros(4, np.float16), case)
    with pytest.raises(ValueError, match="Integers to negative integer powers"):
        np.power(distribute(a, case), distribute(b, case), out=out)
    # (NumPy's own call on ndarrays is no oracle here: with RuntimeWarnings made errors, as in CI, it raises
    # "SystemError: <class 'RuntimeWarning'> returned a result with an exception set" itself.)


def test_nan_to_num_copy_false_writes_in_place():
    def body(case):
        x = data((13,), np.float64, 5, specials=True)
        d = distribute(x, case)
        r = np.nan_to_num(d, copy=False)
        assert r is d, "copy=False must return the input"
        assert_dist_equal(d, np.nan_to_num(x))

    run_subcases([(c,) for c in dist_cases(1)], body)


def test_real_imag_of_complex_are_views_dtype():
    def body(case):
        x = rng_data((7, 4), np.complex64, 1)
        d = distribute(x, case)
        check(np.real, [x], [d])
        check(np.imag, [x], [d])
        check(lambda a: a.real if isinstance(a, np.ndarray) else np.real(a), [x], [d])

    run_subcases([(c,) for c in pick(dist_cases(2), 0, 4)], body)


# --------------------------------------------------------------------------
# dot / vdot / inner of vectors
# --------------------------------------------------------------------------

PRODUCTS = {"dot": np.dot, "vdot": np.vdot, "inner": np.inner}


@pytest.mark.parametrize("dt", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("name", list(PRODUCTS))
def test_vector_products(name, dt):
    f = PRODUCTS[name]
    k = list(PRODUCTS).index(name) * 7 + DTYPES.index(dt)

    def body(n, case_a, case_b, kind):
        x, y = rng_data((n,), dt, k), rng_data((n,), dt, k + 1)
        da = distribute(x, case_a)
        db = {"dd": distribute(y, case_b), "dn": y, "nd": y}[kind]
        if kind == "nd":
            check(f, [y, x], [db, da])
        else:
            check(f, [x, y], [da, db])

    cases = dist_cases(1)
    items = [(n, cases[(k + i) % len(cases)], cases[(k + 2 * i) % len(cases)], ["dd", "dn", "nd"][i % 3])
             for i, n in enumerate([0, 1, 3, 17, 10])]
    run_subcases(pick(items, k, 5), body)


PRODUCT_EDGES = [
    ("dot_scalar", lambda a, b: np.dot(a, 2.5)),
    ("dot_scalar_left", lambda a, b: np.dot(3, a)),
    ("inner_scalar", lambda a, b: np.inner(a, 2)),
    ("dot_mismatch", lambda a, b: np.dot(a, b[:-1] if isinstance(b, np.ndarray) else np.ones(16))),
    ("vdot_mismatch", lambda a, b: np.vdot(a, np.ones(16))),
    ("inner_mismatch", lambda a, b: np.inner(a, np.ones(16))),
    ("dot_int_overflow", lambda a, b: np.dot(a * 0 + 100, b * 0 + 100)),
]


@pytest.mark.parametrize("name,f", PRODUCT_EDGES, ids=[p[0] for p in PRODUCT_EDGES])
def test_vector_product_edges(name, f):
    def body(case, dt):
        x, y = rng_data((17,), dt, 1), rng_data((17,), dt, 2)
        check(f, [x, y], [distribute(x, case), distribute(y, case)])

    k = [p[0] for p in PRODUCT_EDGES].index(name)
    dts = [np.float64, np.int8, np.complex128, np.int64]
    run_subcases([(c, dts[(k + i) % 4]) for i, c in enumerate(pick(dist_cases(1), k, 3))], body)


# --------------------------------------------------------------------------
# np.linalg.norm
# --------------------------------------------------------------------------

VECTOR_ORDS = [None, 2, 1, 0, np.inf, -np.inf, 3, -1, 0.5, -2, "fro"]


@pytest.mark.parametrize("dt", [np.float64, np.float32, np.complex128, np.int64, np.bool_],
                         ids=["float64", "float32", "complex128", "int64", "bool"])
@pytest.mark.parametrize("ord", VECTOR_ORDS, ids=[str(o) for o in VECTOR_ORDS])
def test_vector_norm(ord, dt):
    k = VECTOR_ORDS.index(ord) * 5 + [np.float64, np.float32, np.complex128, np.int64, np.bool_].index(dt)

    def body(shape, case, axis, keepdims):
        x = rng_data(shape, dt, k)
        check(lambda a: np.linalg.norm(a, ord=ord, axis=axis, keepdims=keepdims), [x], [distribute(x, case)])

    items = []
    for i, (s, c) in enumerate(pick([(s, c) for s in [(17,), (3,), (0,), (7, 4), (13, 6), (0, 3)]
                                     for c in dist_cases(len(s))], k, 3)):
        axes = [None, 0, -1] if len(s) == 1 else [0, 1, -1]
        items.append((s, c, axes[(k + i) % 3], (k + i) % 2 == 0))
    run_subcases(items, body)


MATRIX_ORDS = [None, "fro", "f", 1, -1, np.inf, -np.inf, 2, "nuc", 3]
MATRIX_AXES = [None, (0, 1), (1, 0), (-1, -2), (0, 2), (1, 2), (2, 0), (0, 0)]


@pytest.mark.parametrize("ord", MATRIX_ORDS, ids=[str(o) for o in MATRIX_ORDS])
def test_matrix_norm(ord):
    old = nd.set_fallback("allow")  # 2 / -2 / 'nuc' use singular values: documented fallback
    k = MATRIX_ORDS.index(ord)
    try:
        def body(shape, case, axis, keepdims, dt):
            x = rng_data(shape, dt, k)
            check(lambda a: np.linalg.norm(a, ord=ord, axis=axis, keepdims=keepdims), [x], [distribute(x, case)])

        items = []
        for i, (s, c) in enumerate(pick([(s, c) for s in [(7, 4), (13, 6), (2, 5), (3, 4, 5), (6, 1, 3)]
                                         for c in dist_cases(len(s))], k, 6)):
            axes = [a for a in MATRIX_AXES if a is None or len(s) == 3 or max(a) < 2]
            for j, axis in enumerate(pick(axes, k + i, 2)):
                items.append((s, c, axis, (i + j) % 2 == 1, [np.float64, np.complex128, np.int64][(i + j) % 3]))
        run_subcases(items, body)
    finally:
        nd.set_fallback(old)


def test_norm_errors():
    def body(case):
        x = rng_data((3, 4, 5), np.float64, 1)
        d = distribute(x, case)
        check(lambda a: np.linalg.norm(a, ord=2), [x], [d])  # 3-d with ord and no axis: ValueError
        check(lambda a: np.linalg.norm(a, axis=(0, 1, 2)), [x], [d])
        check(lambda a: np.linalg.norm(a, ord="bad", axis=0), [x], [d])
        check(lambda a: np.linalg.norm(a, ord="fro", axis=0), [x], [d])

    run_subcases([(c,) for c in pick(dist_cases(3), 0, 4)], body)


def test_round_of_integers_assigns_into_out():
    """Fuzz: NumPy rounds integers to decimals >= 0 by assigning them into ``out``, so ``out`` of the same size
    takes assignment's shapes (a (1,) input into a 0-d out, a (1, 2) one into (2,)); other decimals do not."""
    for shape, out_shape in [((1,), ()), ((1, 2), (2,)), ((2,), (1, 2)), ((1, 2), (2, 1)), ((), (1, 1))]:
        x = np.arange(1, 1 + int(np.prod(shape)), dtype=np.uint16).reshape(shape)
        for decimals in (0, 1, -1):
            o = np.zeros(out_shape, np.complex64)
            dx = distribute(x, "block") if shape else nd.asarray(x)
            do = distribute(o, "block") if out_shape else nd.asarray(o)
            check(lambda a, out: np.round(a, decimals, out=out), [x, o], [dx, do])
