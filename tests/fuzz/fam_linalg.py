"""Families: linear algebra (products, decompositions, solvers, norms) and every np.fft function.

Where NumPy's answer is not unique the comparison is by a property (each listed with its reason):

* qr: Q's columns (and R's rows) are unique only up to a unit factor, and complete-mode Q's extra columns
  are any orthonormal completion -> A = Q R, Q^H Q = I, R upper triangular, R^H R = NumPy's R^H R;
  mode='raw' (LAPACK's Householder form) -> shapes and dtypes only.
* svd: singular vectors are unique only up to a unit factor (and any basis of a repeated value)
  -> S by value, U diag(S) Vh = A, U^H U = I, Vh Vh^H = I.
* eigh: eigenvectors likewise -> w by value, A v = v w, V^H V = I.
* eig/eigvals: the order of eigenvalues is not specified -> sorted eigenvalues.
Tolerances are eps times the problem's condition number (computed by NumPy in float64) and size.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .core import Case, Keep, compare_values, data, eps_of, pick, shape_of

LA_DTYPES = [np.float64, np.float64, np.float32, np.complex128, np.complex64, np.int64, np.bool_, np.float16]


# inf/NaN only into LU-based functions: NumPy 2.4's own SVD (OpenBLAS dgesdd/dbdsqr) of a matrix with inf
# loops forever holding the GIL (np.linalg.pinv([[3., -8, -1], [-4, 0, 4], [np.inf, 0, -2]]) never returns),
# and the eigen/least-squares drivers share the risk; a hang of the oracle is not a finding.
SPECIALS_OK = {"det", "slogdet", "inv", "solve", "cholesky", "trace", "diagonal", "vector_norm", "multi_dot",
               "matrix_power"}


def _matrix(rng: np.random.Generator, square: bool = False, batch: bool = True, specials: bool = True) -> np.ndarray:
    n = int(pick(rng, [0, 1, 2, 3, 3, 4, 5, 7]))
    m = n if square or rng.random() < 0.4 else int(pick(rng, [1, 2, 3, 5, 8, 11]))
    shape: tuple[int, ...] = (m, n)
    r = rng.random()
    if batch and r < 0.1:
        shape = (2,) + shape
    elif r < 0.15:
        shape = (n,)  # 1-d: an error for most functions
    dt = pick(rng, LA_DTYPES)
    return data(rng, shape, dt, specials=specials and rng.random() < 0.1)


def _cond(a: np.ndarray) -> float:
    try:
        with np.errstate(all="ignore"):
            c = float(np.max(np.linalg.cond(np.asarray(a, np.complex128)))) if a.size else 1.0
    except Exception:  # noqa: BLE001
        return 1e300
    return c if math.isfinite(c) else 1e300


def _work_eps(want: Any) -> float:
    a = np.asarray(want)
    return eps_of(a.dtype) if a.dtype.kind in "fc" else eps_of(np.dtype(np.float64))


def _maxabs(*arrays: Any) -> float:
    best = 0.0
    for a in arrays:
        a = np.asarray(a)
        if a.dtype.kind in "biufc" and a.size:
            m = np.abs(a.astype(np.complex128))
            m = m[np.isfinite(m)]
            best = max(best, float(m.max()) if m.size else 0.0)
    return best


def _rel_compare(ulps: float, products: bool = False):
    """By value, within ulps eps of the result's largest entry (eps of the result's dtype).

    ``products``: a BLAS product chain (multi_dot, matrix_power), where every non-finite entry
    counts as one value (see :func:`_product_compare`).
    """

    def compare(got: Any, want: Any) -> str:
        if products:
            got, want = _nonfinite_as_one(got), _nonfinite_as_one(want)
        return compare_values(got, want, ulps, _maxabs(*(want if isinstance(want, tuple) else (want,))))

    return compare


def _ratio_compare(ulps: float):
    """By value, within ulps eps of 1: ``cond(p=-2)`` is s_min / s_max, whose error is eps s_max / s_max,
    so a singular matrix's 0.0 (NumPy's LAPACK) and 1e-33 (the same s_min within eps s_max) both hold."""

    def compare(got: Any, want: Any) -> str:
        return compare_values(got, want, ulps, max(_maxabs(want), 1.0))

    return compare


def _nonfinite_as_one(v: Any) -> Any:
    """Every non-finite entry as one value (NaN): which of inf, -inf and NaN a product chain with infinities
    gives depends on its association, in NumPy too ((A @ A) @ A is nan where A @ (A @ A) is inf)."""
    a = np.asarray(v)
    if a.dtype.kind not in "fc":
        return v
    a = np.array(a)
    a[~np.isfinite(a)] = complex(np.nan, np.nan) if a.dtype.kind == "c" else np.nan
    return a


def _product_compare(ulps: float, scale: float):
    """By value; every non-finite complex entry counts as one value.  NumPy's own complex products disagree
    there: ``dot`` (BLAS) gives nan+nanj where ``matmul`` and exact arithmetic give -inf+nanj, and even
    ``matmul`` does by shape (a (1, k) row times a vector gives nan-infj, a (2, k) matrix nan+nanj: the
    BLAS kernel scales by alpha = 1+0j, and inf * 0 is NaN) -- a distributed product's local shapes differ."""

    def compare(got: Any, want: Any) -> str:
        return compare_values(_nonfinite_as_one(got), _nonfinite_as_one(want), ulps, scale)

    return compare


def _chain_ulps(*dtypes: np.dtype) -> float:
    """How many of the result dtype's eps one rounding of the least precise operand dtype is (a chain of
    products rounds its intermediates in their own dtype: complex64 @ float16 is complex64 before @ complex128)."""
    def eps(dt: np.dtype) -> float:
        return float(np.finfo(dt).eps) if dt.kind in "fc" else float(np.finfo(np.float64).eps)

    return max(eps(dt) for dt in dtypes) / eps(np.result_type(*dtypes))


def _close(x: np.ndarray, y: np.ndarray, tol: float) -> bool:
    with np.errstate(all="ignore"):
        return bool(np.all(np.abs(np.asarray(x, np.complex128) - np.asarray(y, np.complex128)) <= tol))


def _same_meta(got: tuple, want: tuple) -> str:
    if not isinstance(got, tuple) or len(got) != len(want):
        return f"structure differs from NumPy's ({type(got).__name__})"
    for i, (g, w) in enumerate(zip(got, want)):
        g, w = np.asarray(g), np.asarray(w)
        if g.shape != w.shape or g.dtype != w.dtype:
            return f"[{i}] {g.shape} {g.dtype} != NumPy {w.shape} {w.dtype}"
    return ""


def _finite(*arrays: Any) -> bool:
    return all(np.all(np.isfinite(np.asarray(a))) for a in arrays)


def _eye_like(n: int) -> np.ndarray:
    return np.eye(n)


def _qr_compare(a: np.ndarray, mode: str, ulps: float):
    def compare(got: Any, want: Any) -> str:
        if mode == "r":
            got, want = (got,), (want,)
        why = _same_meta(tuple(got), tuple(want))
        if why or mode == "raw" or not _finite(a, *want):
            return why or ("" if mode == "raw" or _finite(*got) == _finite(*want) else "finiteness differs")
        eps = _work_eps(want[0])
        tol = ulps * eps * max(_maxabs(a), 1.0)
        r = np.asarray(got[-1])
        if not _close(np.triu(r), r, 0):
            return "R is not upper triangular"
        rw = np.asarray(want[-1])
        if not _close(np.swapaxes(r.conj(), -1, -2) @ r, np.swapaxes(rw.conj(), -1, -2) @ rw, tol * max(_maxabs(a), 1)):
            return "R^H R differs from NumPy's"
        if mode == "r":
            return ""
        q = np.asarray(got[0])
        if not _close(q @ r, a, tol):
            return "A != Q R"
        k = q.shape[-1]
        if not _close(np.swapaxes(q.conj(), -1, -2) @ q, np.broadcast_to(np.eye(k), q.shape[:-2] + (k, k)), ulps * eps):
            return "Q^H Q != I"
        return ""

    return compare


def _svd_compare(a: np.ndarray, compute_uv: bool, ulps: float):
    def compare(got: Any, want: Any) -> str:
        if not compute_uv:
            return compare_values(got, want, ulps, _maxabs(want))
        why = _same_meta(tuple(got), tuple(want))
        if why or not _finite(a):
            return why
        u, s, vh = (np.asarray(v) for v in got)
        eps = _work_eps(want[1])
        why = compare_values(s, np.asarray(want[1]), ulps, _maxabs(want[1]))
        if why:
            return "S: " + why
        k = s.shape[-1]
        us = u[..., :, :k] * s[..., None, :]
        if not _close(us @ vh[..., :k, :], a, ulps * eps * max(_maxabs(a), 1)):
            return "U S Vh != A"
        for name, m in (("U", u), ("Vh^H", np.swapaxes(vh.conj(), -1, -2))):
            c = m.shape[-1]
            if not _close(np.swapaxes(m.conj(), -1, -2) @ m, np.broadcast_to(np.eye(c), m.shape[:-2] + (c, c)), ulps * eps):
                return f"{name} is not orthonormal"
        return ""

    return compare


def _eigh_compare(a: np.ndarray, uplo: str, ulps: float):
    def compare(got: Any, want: Any) -> str:
        why = _same_meta(tuple(got), tuple(want))
        if why or not _finite(a):
            return why
        w, v = np.asarray(got[0]), np.asarray(got[1])
        eps = _work_eps(want[0])
        scale = max(_maxabs(want[0]), 1e-300)
        why = compare_values(w, np.asarray(want[0]), ulps, scale)
        if why:
            return "eigenvalues: " + why
        a_c = np.asarray(a, np.complex128)  # (bool + bool would be a logical or)
        tri = np.tril(a_c) if uplo == "L" else np.triu(a_c)
        h = tri + np.swapaxes(tri.conj(), -1, -2) - np.eye(a.shape[-1]) * np.diagonal(tri, axis1=-2, axis2=-1).real[..., None, :]
        if not _close(h @ v, v * w[..., None, :], ulps * eps * scale):
            return "A v != v w"
        n = v.shape[-1]
        if not _close(np.swapaxes(v.conj(), -1, -2) @ v, np.broadcast_to(np.eye(n), v.shape), ulps * eps):
            return "V^H V != I"
        return ""

    return compare


def _sorted_compare(ulps: float):
    def compare(got: Any, want: Any) -> str:
        g, w = np.asarray(got), np.asarray(want)
        if g.shape != w.shape or g.dtype != w.dtype:
            return compare_values(g, w, 0, 0)
        return compare_values(np.sort(g, axis=-1), np.sort(w, axis=-1), ulps, _maxabs(w))

    return compare


def _hermitian(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind not in "fc":
        return a
    return ((a + np.swapaxes(a.conj(), -1, -2)) / 2).astype(a.dtype)


def linalg(rng: np.random.Generator) -> Case:
    f = pick(rng, ["qr", "svd", "svdvals", "matrix_rank", "lstsq", "pinv", "eigh", "eigvalsh", "solve", "inv",
                   "det", "slogdet", "cholesky", "norm", "matrix_norm", "vector_norm", "matrix_power", "cond",
                   "eigvals", "multi_dot", "trace", "diagonal"])
    a = _matrix(rng, square=f in ("eigh", "eigvalsh", "solve", "inv", "det", "slogdet", "cholesky", "matrix_power",
                                  "eigvals") and rng.random() < 0.9, specials=f in SPECIALS_OK)
    n = max(a.shape[-2:]) if a.ndim >= 2 else max(a.shape + (1,))
    cond = _cond(a) if a.ndim >= 2 else 1.0
    base = 64.0 * max(n, 1)
    la = np.linalg
    if f == "cholesky":
        if a.ndim >= 2 and a.shape[-1] == a.shape[-2] and rng.random() < 0.8:
            a = (a @ np.swapaxes(a.conj(), -1, -2) + np.eye(a.shape[-1]) * (1 + n)).astype(a.dtype) \
                if a.dtype.kind in "fc" else a
        upper = bool(rng.integers(0, 2))
        return Case(f"cholesky({a.shape} {a.dtype}, upper={upper})", [a], lambda x: la.cholesky(x, upper=upper),
                    compare=_rel_compare(base * min(_cond(a) if a.ndim >= 2 else 1, 1e12)))
    if f == "qr":
        mode = pick(rng, ["reduced", "complete", "r", "raw", "bogus"])
        return Case(f"qr({a.shape} {a.dtype}, mode={mode})", [a], lambda x: tuple(la.qr(x, mode=mode)) if mode != "r"
                    else la.qr(x, mode=mode), compare=_qr_compare(a, mode, base))
    if f == "svd":
        full, uv = bool(rng.integers(0, 2)), rng.random() < 0.8
        return Case(f"svd({a.shape} {a.dtype}, full_matrices={full}, compute_uv={uv})", [a],
                    lambda x: tuple(la.svd(x, full_matrices=full, compute_uv=uv)) if uv else
                    la.svd(x, full_matrices=full, compute_uv=uv), compare=_svd_compare(a, uv, base))
    if f == "svdvals":
        return Case(f"svdvals({a.shape} {a.dtype})", [a], lambda x: la.svdvals(x), compare=_rel_compare(base))
    if f in ("matrix_rank", "pinv") and a.ndim >= 2 and a.shape[-1] == a.shape[-2] and rng.random() < 0.8:
        a = _hermitian(a)  # so hermitian=True is a fair claim (NumPy then reads one triangle only)
    if f == "matrix_rank":
        kw = pick(rng, [{}, {"tol": 0.5}, {"hermitian": True}, {"rtol": 1e-3}, {"tol": -1.0}])
        return Case(f"matrix_rank({a.shape} {a.dtype}, {kw})", [a], lambda x: la.matrix_rank(x, **kw))
    if f == "lstsq":
        b = data(rng, a.shape[-2:-1] + pick(rng, [(), (2,), (1,)]) if a.ndim >= 2 else (3,), pick(rng, LA_DTYPES),
                 specials=False)
        rcond = pick(rng, [None, -1, 1e-3])
        return Case(f"lstsq({a.shape} {a.dtype}, b {b.shape} {b.dtype}, rcond={rcond})", [a, b],
                    lambda x, y: tuple(la.lstsq(x, y, rcond=rcond)), compare=_rel_compare(base * min(cond, 1e12)))
    if f == "pinv":
        kw = pick(rng, [{}, {"hermitian": True}, {"rcond": 0.1}, {"rtol": 1e-3}])
        return Case(f"pinv({a.shape} {a.dtype}, {kw})", [a], lambda x: la.pinv(x, **kw),
                    compare=_rel_compare(base * min(cond, 1e12)))
    if f in ("eigh", "eigvalsh"):
        uplo = pick(rng, ["L", "U", "bogus"])
        if f == "eigvalsh":
            return Case(f"eigvalsh({a.shape} {a.dtype}, UPLO={uplo})", [a], lambda x: la.eigvalsh(x, UPLO=uplo),
                        compare=_rel_compare(base))
        return Case(f"eigh({a.shape} {a.dtype}, UPLO={uplo})", [a], lambda x: tuple(la.eigh(x, UPLO=uplo)),
                    compare=_eigh_compare(a, uplo, base))
    if f == "eigvals":
        return Case(f"eigvals({a.shape} {a.dtype})", [a], lambda x: la.eigvals(x), compare=_sorted_compare(base * 100))
    if f == "solve":
        bshape = pick(rng, [a.shape[:-1], a.shape[:-1] + (2,), (a.shape[-1] + 1,) if a.ndim else (1,), a.shape[-1:]])
        b = data(rng, bshape, pick(rng, LA_DTYPES), specials=False)
        return Case(f"solve({a.shape} {a.dtype}, b {b.shape} {b.dtype})", [a, b], lambda x, y: la.solve(x, y),
                    compare=_rel_compare(base * min(cond, 1e12)))
    if f == "inv":
        return Case(f"inv({a.shape} {a.dtype})", [a], lambda x: la.inv(x), compare=_rel_compare(base * min(cond, 1e12)))
    if f == "det":
        return Case(f"det({a.shape} {a.dtype})", [a], lambda x: la.det(x), ulps=base * min(cond, 1e12), scale=0.0)
    if f == "slogdet":
        return Case(f"slogdet({a.shape} {a.dtype})", [a], lambda x: tuple(la.slogdet(x)),
                    compare=_rel_compare(base * min(cond, 1e12)))
    if f == "norm":
        ords = [None, "fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2, 0, 3, 0.5, "bogus"]
        o = pick(rng, ords)
        axis = pick(rng, [None, None, 0, -1, (0, 1), (1, 0), (0, 0), 2])
        keep = bool(rng.integers(0, 2))
        return Case(f"norm({a.shape} {a.dtype}, ord={o}, axis={axis}, keepdims={keep})", [a],
                    lambda x: la.norm(x, ord=o, axis=axis, keepdims=keep), compare=_rel_compare(base))
    if f == "matrix_norm":
        o = pick(rng, ["fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2, 3])
        return Case(f"matrix_norm({a.shape} {a.dtype}, ord={o})", [a], lambda x: la.matrix_norm(x, ord=o),
                    compare=_rel_compare(base))
    if f == "vector_norm":
        o = pick(rng, [2, 1, np.inf, -np.inf, 0, 3, -1, 0.5])
        axis = pick(rng, [None, 0, -1, (0, 1), 3])
        return Case(f"vector_norm({a.shape} {a.dtype}, ord={o}, axis={axis})", [a],
                    lambda x: la.vector_norm(x, ord=o, axis=axis), compare=_rel_compare(base))
    if f == "matrix_power":
        k = pick(rng, [0, 1, 2, 3, -1, 1.5])
        return Case(f"matrix_power({a.shape} {a.dtype}, {k})", [a], lambda x: la.matrix_power(x, k),
                    compare=_rel_compare(base * (min(cond, 1e12) if k == -1 else 4), products=k in (2, 3)))
    if f == "cond":
        p = pick(rng, [None, "fro", 1, -2])
        compare = _ratio_compare(base * 4) if p == -2 else _rel_compare(base * min(cond, 1e12))
        return Case(f"cond({a.shape} {a.dtype}, p={p})", [a], lambda x: la.cond(x, p), compare=compare)
    if f == "multi_dot":
        b = data(rng, a.shape[-1:] + (2,) if a.ndim else (2,), pick(rng, LA_DTYPES), specials=False)
        c = data(rng, (2,) if rng.random() < 0.5 else (2, 3), pick(rng, LA_DTYPES), specials=False)
        return Case(f"multi_dot({a.shape} {a.dtype}, {b.shape}, {c.shape})", [a, b, c],
                    lambda x, y, z: la.multi_dot([x, y, z]),
                    compare=_rel_compare(base * 8 * _chain_ulps(a.dtype, b.dtype, c.dtype), products=True))
    if f == "trace":
        off = pick(rng, [0, 1, -1, 5])
        return Case(f"linalg.trace({a.shape} {a.dtype}, offset={off})", [a], lambda x: la.trace(x, offset=off),
                    ulps=base, scale=_maxabs(a) * n)
    off = pick(rng, [0, 1, -2])
    return Case(f"linalg.diagonal({a.shape} {a.dtype}, offset={off})", [a], lambda x: la.diagonal(x, offset=off))


def products(rng: np.random.Generator) -> Case:
    f = pick(rng, ["matmul", "dot", "vdot", "inner", "outer", "tensordot", "einsum", "kron", "cross", "operator@"])
    a = data(rng, shape_of(rng), pick(rng, LA_DTYPES), specials=rng.random() < 0.2)
    r = rng.random()
    bshape = a.shape[::-1] if r < 0.4 else a.shape if r < 0.6 else a.shape[-1:] if r < 0.8 else shape_of(rng)
    b = data(rng, bshape, pick(rng, LA_DTYPES), specials=rng.random() < 0.2)
    k = max(a.shape[-1:] + (1,))
    ulps, scale = 8.0 * (math.log2(max(k, 1)) + 4), k * max(_maxabs(a), 1e-300) * max(_maxabs(b), 1e-300)
    label = f"{f}({a.shape} {a.dtype}, {b.shape} {b.dtype})"
    if f == "tensordot":
        axes = pick(rng, [0, 1, 2, ([0], [1]), ([1], [0]), ([0, 1], [1, 0]), -1])
        return Case(label + f" axes={axes}", [a, b], lambda x, y: np.tensordot(x, y, axes=axes),
                    compare=_product_compare(ulps, scale))
    if f == "einsum":
        sub = pick(rng, ["ij,jk->ik", "i,i->", "ij->ji", "ii->i", "ij,j->i", "...,...->...", "ij->"])
        if sub == "ii->i" and a.ndim == 2 and 0 in a.shape and a.shape[0] != a.shape[1]:
            sub = "ij->ji"  # NumPy 2.4 returns uninitialised memory for a diagonal of a non-square empty matrix
        return Case(label + f" {sub}", [a, b] if "," in sub else [a], lambda *x: np.einsum(sub, *x),
                    compare=_product_compare(ulps, scale))
    if f == "operator@":
        return Case(label, [a, b], lambda x, y: x @ y, compare=_product_compare(ulps, scale))
    if f == "cross":
        a3 = data(rng, a.shape[:-1] + (pick(rng, [2, 3, 4]),) if a.ndim else (3,), a.dtype, specials=False)
        b3 = data(rng, a3.shape if rng.random() < 0.8 else (3,), b.dtype, specials=False)
        return Case(f"cross({a3.shape} {a3.dtype}, {b3.shape} {b3.dtype})", [a3, b3], lambda x, y: np.cross(x, y),
                    ulps=8.0, scale=2 * _maxabs(a3) * _maxabs(b3))
    g = getattr(np, f)
    if rng.random() < 0.2:
        return Case(label + " (NumPy operand)", [a, Keep(b)], lambda x, y: g(x, y), compare=_product_compare(ulps, scale))
    return Case(label, [a, b], lambda x, y: g(x, y), compare=_product_compare(ulps, scale))


# -- FFT ---------------------------------------------------------------------------------------------------------

FFT_1D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
FFT_ND = ["fft2", "ifft2", "fftn", "ifftn", "rfft2", "irfft2", "rfftn", "irfftn"]


def fft(rng: np.random.Generator) -> Case:
    f = pick(rng, FFT_1D + FFT_ND + ["fftshift", "ifftshift"])
    shape = shape_of(rng, ndim=int(pick(rng, [0, 1, 1, 2, 2, 3])), big=True)
    dt = np.dtype(pick(rng, [np.float64, np.complex128, np.float32, np.complex64, np.bool_, np.int32, np.float16, np.uint8]))
    x = data(rng, shape, dt, specials=rng.random() < 0.3)
    g = getattr(np.fft, f)
    ndim = len(shape)
    kw: dict[str, Any] = {}
    if f in ("fftshift", "ifftshift"):
        kw["axes"] = pick(rng, [None, 0, -1, (0, 1), ndim])
        return Case(f"fft.{f}({shape} {dt}, {kw})", [x], lambda a: g(a, **kw))
    # (NumPy 2.4's complex-to-real transforms of an empty input padded by n= or s= return uninitialised memory)
    empty_c2r = f.startswith(("irfft", "hfft")) and x.size == 0
    if f in FFT_1D:
        if rng.random() < 0.5 and not empty_c2r:
            kw["n"] = pick(rng, [1, 2, 5, 8, 0, -1, 3.5, 16])
        if rng.random() < 0.4:
            kw["axis"] = pick(rng, [0, -1, 1, ndim, -ndim - 1])
    else:
        if rng.random() < 0.4:
            kw["axes"] = pick(rng, [None, (0,), (-1,), (0, 1), (1, 0), (0, 0), (ndim,), ()])
        if rng.random() < 0.4 and not empty_c2r:
            k = len(kw.get("axes") or ()) or min(ndim, 2 if f.endswith("2") else ndim)
            kw["s"] = tuple(int(v) for v in rng.choice([1, 2, 4, 5, 0, -1], size=max(k, 1)))
    if rng.random() < 0.4:
        kw["norm"] = pick(rng, [None, "ortho", "forward", "backward", "bogus"])
    n = max(x.size, 1) + sum(kw.get("s", ())) + max(kw.get("n", 0) if isinstance(kw.get("n"), int) else 0, 0)
    ulps = 8.0 * (math.log2(max(n, 2)) + 4)
    scale = float(np.sqrt(max(n, 1))) * _maxabs(x) + 1e-300
    return Case(f"fft.{f}({shape} {dt}, {kw})", [x], lambda a: g(a, **kw), ulps=ulps, scale=scale)


FAMILIES = {"linalg": linalg, "products": products, "fft": fft}
