"""scikit-learn with array API dispatch fits and predicts on DistArrays, matching NumPy.

``SCIPY_ARRAY_API=1`` (set in conftest.py before SciPy loads) and
``sklearn.config_context(array_api_dispatch=True)``: the estimators call the
numpy_dist namespace, so the data stays distributed (an implicit gather would
raise here: the test configuration turns FallbackWarning into an error).
"""

import numpy as np
import pytest

import numpy_dist as nd
from numpy_dist.testing import assert_all_ranks, assert_dist_equal, distribute

from ._helpers import values

sklearn = pytest.importorskip("sklearn")
pytest.importorskip("scipy")
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

CASES = ["block", "uneven", "cyclic", "replicated"]


def _array_api_ready() -> bool:
    from scipy._lib._array_api import SCIPY_ARRAY_API

    return bool(SCIPY_ARRAY_API)


pytestmark = pytest.mark.skipif(not _array_api_ready(), reason="SciPy was imported before SCIPY_ARRAY_API=1")


def _data(n=40, k=5):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, k))
    y = X @ rng.standard_normal(k) + 0.1 * rng.standard_normal(n)
    labels = (X[:, 0] + X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 1)
    return X, y, labels


def _distributed(case, *arrays):
    return [distribute(a, case) for a in arrays]


def _same_up_to_sign(got, want):
    # PCA components are defined up to a sign per component.
    g, w = values(got), np.asarray(want)
    return np.allclose(np.abs(g), np.abs(w), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("case", CASES)
def test_standard_scaler(case):
    X, _, _ = _data()
    (Xd,) = _distributed(case, X)
    ref = StandardScaler().fit(X)
    with sklearn.config_context(array_api_dispatch=True):
        est = StandardScaler().fit(Xd)
        Z = est.transform(Xd)
        back = est.inverse_transform(Z)
    assert_all_ranks(isinstance(Z, nd.DistArray), type(Z).__name__)
    assert_dist_equal(Z, ref.transform(X), rtol=1e-10, atol=1e-12)
    assert_dist_equal(back, X, rtol=1e-10, atol=1e-12)
    assert np.allclose(values(est.mean_), ref.mean_) and np.allclose(values(est.scale_), ref.scale_)


@pytest.mark.parametrize("case", CASES)
def test_pca(case):
    X, _, _ = _data()
    (Xd,) = _distributed(case, X)
    ref = PCA(n_components=3, svd_solver="full").fit(X)
    with sklearn.config_context(array_api_dispatch=True):
        est = PCA(n_components=3, svd_solver="full").fit(Xd)
        Z = est.transform(Xd)
    assert_all_ranks(isinstance(Z, nd.DistArray), type(Z).__name__)
    assert_all_ranks(_same_up_to_sign(Z, ref.transform(X)), "transform differs")
    assert_all_ranks(_same_up_to_sign(est.components_, ref.components_), "components differ")
    assert np.allclose(values(est.explained_variance_ratio_), ref.explained_variance_ratio_)


@pytest.mark.parametrize("case", CASES)
def test_ridge(case):
    X, y, _ = _data()
    Xd, yd = _distributed(case, X, y)
    ref = Ridge(alpha=1.0, solver="svd").fit(X, y)
    with sklearn.config_context(array_api_dispatch=True):
        est = Ridge(alpha=1.0, solver="svd").fit(Xd, yd)
        pred = est.predict(Xd)
    assert_dist_equal(pred, ref.predict(X), rtol=1e-9, atol=1e-12)
    assert np.allclose(values(est.coef_), ref.coef_) and np.allclose(values(est.intercept_), ref.intercept_)


# LDA's second SVD is of a tiny (n_classes x rank) matrix of class centres, which numpy_dist
# still computes through the documented fallback (gather, NumPy, redistribute): a few dozen bytes.
@pytest.mark.filterwarnings("ignore:numpy.linalg.svd has no distributed implementation:numpy_dist.FallbackWarning")
@pytest.mark.parametrize("case", CASES)
def test_linear_discriminant_analysis(case):
    X, _, labels = _data(60)
    Xd, ld = _distributed(case, X, labels)
    ref = LinearDiscriminantAnalysis().fit(X, labels)
    with sklearn.config_context(array_api_dispatch=True):
        est = LinearDiscriminantAnalysis().fit(Xd, ld)
        pred = est.predict(Xd)
        proba = est.predict_proba(Xd)
    assert_dist_equal(pred, ref.predict(X))
    assert_dist_equal(proba, ref.predict_proba(X), rtol=1e-8, atol=1e-12)
