"""The ``wide`` subset: test modules that also run at 5 and 8 ranks (CI), and at 6 and 7 on request.

More ranks than cores exercise process grids with three prime factors, ranks
whose blocks are empty on every small shape, and uneven splits that 1-4 ranks
never produce.  The subset is chosen to cover each layer (maps, creation,
redistribution, the ufunc path, reductions, indexing, sorting, products, I/O,
the communication laws, the fuzzer) at a cost of a few minutes per rank count; ``python -m
numpy_dist.testing --nprocs 5 tests`` runs everything there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

WIDE_MODULES = {
    "core/test_maps.py",
    "core/test_distribution.py",
    "core/test_distarray.py",
    "dispatch/test_reductions.py",
    "dispatch/test_elementwise.py",
    "manipulation/test_indexing.py",
    "sorting/test_exact_sort.py",
    "linalg/test_products.py",
    "fuzz/test_fuzz.py",
    "laws/test_laws.py",
}

#: Single test functions of modules too slow to run whole at 5-8 ranks (``module::function``).
WIDE_TESTS = {
    # I/O: a 3-d file read into every layout (its blocks at their file offsets); tests/laws writes one.
    "io/test_npy.py::test_numpy_written_files_load",
}

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        try:
            rel = Path(item.fspath).relative_to(_HERE).as_posix()
        except ValueError:
            continue
        name = getattr(item, "originalname", None) or item.name
        if rel in WIDE_MODULES or f"{rel}::{name}" in WIDE_TESTS:
            item.add_marker(pytest.mark.wide)


@pytest.fixture
def refuse_fallback():
    """The fallback refused for the test (``pytestmark = pytest.mark.usefixtures("refuse_fallback")``): any
    call that would gather instead of running natively fails."""
    import numpy_dist as nd

    old = nd.set_fallback("error")
    yield
    nd.set_fallback(old)
