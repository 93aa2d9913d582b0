"""Interop tests: the real libraries of the ``interop`` extra, fed DistArrays.

SciPy reads ``SCIPY_ARRAY_API`` once, when it is first imported, and
scikit-learn's array API dispatch needs it: set it before any test module
here imports them.
"""

import os

import pytest

import numpy_dist as nd
from numpy_dist import _implicit

os.environ.setdefault("SCIPY_ARRAY_API", "1")


@pytest.fixture(autouse=True)
def fresh_policy():
    """Default fallback mode and no call site warned yet, in every interop test."""
    old = nd.set_fallback("warn")
    _implicit._warned_sites.clear()
    yield
    nd.set_fallback(old)
    _implicit._warned_sites.clear()
