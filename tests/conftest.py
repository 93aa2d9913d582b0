"""The ``wide`` subset: tests that also run at 5 and 8 ranks (CI), and at 6 and 7 on request.

More ranks than cores exercise process grids with three prime factors, ranks
whose blocks are empty on every small shape, and uneven splits that 1-4 ranks
never produce.  The subset is chosen to cover each layer (maps, creation,
redistribution, the ufunc path, reductions, indexing, sorting, products, I/O,
the communication laws, the fuzzer) at a cost of a minute or two per rank count
(8 ranks share 2 cores here); ``python -m numpy_dist.testing --nprocs 5 tests``
runs everything there.  A ``-m wide`` run collects only the modules named here.
"""

from __future__ import annotations

import zlib
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from mpi4py import MPI

from numpy_dist.testing import EXHAUSTIVE

try:  # Compiled now, not by hypothesis' plugin at the session's end: by then hypothesis has raised and
    # restored the recursion limit, and CPython 3.11's ast.parse (pytest rewrites the module's asserts) can
    # fail with "AST constructor recursion depth mismatch" (seen with `tests/core tests/io` at 1 rank).
    import hypothesis.internal.observability  # noqa: F401
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    pass

#: Module -> the tests of it in the subset: ``"*"`` for all of them, else function names, or
#: ``name[pattern]`` for some of a parametrized function's cases (fnmatch on the test id).
WIDE: dict[str, str | tuple[str, ...]] = {
    "core/test_maps.py": "*",
    "core/test_distribution.py": "*",
    "core/test_distarray.py": "*",
    "dispatch/test_elementwise.py": "*",
    "fuzz/test_fuzz.py": "*",
    "laws/test_laws.py": "*",
    # Reductions and scans over every layout; the NaN-aware family (order statistics with
    # empty blocks) in float64 only.
    "dispatch/test_reductions.py": (
        "test_reduction", "test_scan", "test_reduction_kwargs", "test_empty_arrays", "test_empty_blocks",
        "test_arg_first_occurrence_and_nan", "test_arg_integer_ties_global_index",
        "test_ordered_reduce_and_scan_of_one_axis_run_natively", "test_zero_d_input_axis_spellings",
        "test_runtime_warnings_on_every_rank", "test_nan_functions_every_layout[*-float64]",
    ),
    # Basic and fancy keys, distributed index arrays, writes through views, the halo stencil.
    "manipulation/test_indexing.py": (
        "test_getitem", "test_setitem_array_and_scalar", "test_setitem_distarray_values_broadcast",
        "test_views_write_through", "test_repeated_fancy_indices_last_write_wins", "test_bad_keys_raise_everywhere",
        "test_heat_diffusion_50_steps_moves_only_halos", "test_random_mixed_keys_like_numpy",
        "test_distributed_index_arrays_like_numpy", "test_distributed_index_out_of_bounds_agreed",
    ),
    # The matmul plans over every pair of layouts.
    "linalg/test_products.py": (
        "test_matmul_2d_all_layouts", "test_products_mixed_layouts", "test_matmul_vectors", "test_matmul_stacked",
        "test_matmul_plans_move_only_the_small_operand", "test_diagonal_trace",
    ),
    # The sample sort: values, ties, empty blocks, and its memory bound on the skewed input.
    "sorting/test_exact_sort.py": (
        "test_sort_argsort_unique_even_layout", "test_lexsort_against_numpy", "test_lexsort_tiny_and_empty_blocks",
        "test_argpartition_values", "test_peak_memory_per_rank[skewed]",
    ),
    # I/O: a 3-d file read into every layout (its blocks at their file offsets); tests/laws writes one.
    "io/test_npy.py": ("test_numpy_written_files_load",),
}

_HERE = Path(__file__).parent


def _relative(path) -> str | None:
    try:
        return Path(path).relative_to(_HERE).as_posix()
    except ValueError:
        return None


def _chosen(pattern: str, name: str, item: pytest.Item) -> bool:
    """``pattern`` is a function name, or ``name[id pattern]`` (fnmatch on the case's id)."""
    function, _, cases = pattern.partition("[")
    if function != name:
        return False
    callspec = getattr(item, "callspec", None)
    return not cases or (callspec is not None and fnmatchcase(callspec.id, cases[:-1]))


def _is_wide(rel: str | None, item: pytest.Item) -> bool:
    chosen = WIDE.get(rel) if rel else None
    if chosen is None:
        return False
    name = getattr(item, "originalname", None) or item.name
    return chosen == "*" or any(_chosen(p, name, item) for p in chosen)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "own_jobs: runs once per session, at 1 rank, and starts MPI jobs of its own in each mode it names "
        "(the eager pass of scripts/test.sh leaves it out)",
    )


def pytest_ignore_collect(collection_path, config):
    # A run of the wide subset alone imports only its modules (collecting them all costs every
    # rank 10 s of CPU).
    if config.getoption("markexpr", "") == "wide" and collection_path.name.startswith("test_") \
            and collection_path.suffix == ".py":
        return _relative(collection_path) not in WIDE or None
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _is_wide(_relative(item.fspath), item):
            item.add_marker(pytest.mark.wide)
    _, others = _split_between_counts(items, MPI.COMM_WORLD.Get_size())
    if others:
        items[:] = [item for item in items if item.stash.get(_SHARED, True)]
        config.hook.pytest_deselected(items=others)


#: Set on the cases a run above 2 ranks shares with the other rank count of its parity (True: kept here).
_SHARED = pytest.StashKey[bool]()


def _split_between_counts(items, nranks: int) -> tuple[list, list]:
    """Above 2 ranks, the cases of parametrized tests are shared: the odd rank counts (3, 5) run one half,
    the even ones (4, 8) the other, chosen by a hash of the test id (the same on every rank and in every run).

    So every case still runs at 1, at 2, and at 3 or 4 ranks (the sweeps of layouts inside a test are
    split as well, by :func:`tests.dispatch._helpers.shared_between_counts`: above 2 ranks a shared case
    runs half its sub-cases), at about half the cost of the two slowest runs.  Cases on a 2-d layout run
    at every count (4 and 8 ranks make 2-d grids, 3 and 5 only P x 1 ones).  Unparametrized tests and
    ``NUMPY_DIST_EXHAUSTIVE=1`` runs keep everything.  Returns (kept shared cases, deselected cases).
    """
    if EXHAUSTIVE or nranks <= 2:
        return [], []
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or "grid" in callspec.id:
            continue
        mine = zlib.crc32(item.nodeid.encode()) % 2 == nranks % 2
        item.stash[_SHARED] = mine
        (kept if mine else dropped).append(item)
    return kept, dropped


@pytest.fixture
def refuse_fallback():
    """The fallback refused for the test (``pytestmark = pytest.mark.usefixtures("refuse_fallback")``): any
    call that would gather instead of running natively fails."""
    import numpy_dist as nd

    old = nd.set_fallback("error")
    yield
    nd.set_fallback(old)
