"""Settings shared by the conformance tests (collective, derandomised Hypothesis)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Every rank must draw the same examples: no randomness, no database, no
# timing-dependent decisions (deadline, too-slow health checks).
settings.register_profile(
    "numpy_dist-mpi",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=int(os.environ.get("NUMPY_DIST_MAX_EXAMPLES", "10")),
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)
settings.load_profile("numpy_dist-mpi")


_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Functions documented to run through NumPy dispatch's fallback warn; that
    # is expected here (pyproject turns FallbackWarning into an error).  The
    # hook sees the whole session's items: mark only this directory's, so a
    # run of tests/ together with array_api_tests/ still catches fallbacks there.
    for item in items:
        if _HERE not in Path(item.fspath).parents:
            continue
        item.add_marker(pytest.mark.filterwarnings("ignore::numpy_dist.FallbackWarning"))
        item.add_marker(pytest.mark.filterwarnings("ignore::RuntimeWarning"))


def pytest_ignore_collect(collection_path, config):
    # The wide subset (tests/conftest.py) has no conformance tests: a ``-m wide`` run skips importing them.
    if config.getoption("markexpr", "") == "wide" and collection_path.suffix == ".py" \
            and collection_path.name.startswith("test_"):
        return True
    return None
