"""The example programs of tests/programs: ordinary NumPy analyses that run distributed with the fallback set to
"error" (no whole-array gather anywhere) and give NumPy's results, at every rank count."""

import importlib

import pytest

from numpy_dist.testing import assert_all_ranks

PROGRAMS = ["kmeans_groupby", "regression", "signal_processing", "tables_and_text", "linear_algebra",
            "masked_climatology", "records_program"]


@pytest.mark.parametrize("layout", ["b", "c"])
@pytest.mark.parametrize("program", PROGRAMS)
def test_program_matches_numpy_without_fallback(program, layout):
    module = importlib.import_module(f"tests.programs.{program}")
    error = None
    try:
        module.main(layout)
    except Exception as exc:  # noqa: BLE001 - reported collectively
        error = f"{type(exc).__name__}: {exc}"
    assert_all_ranks(error is None, f"{program} ({layout}): {error}")
