"""A few hundred fuzz cases at 3 and 4 ranks in CI (thousands on demand: python -m tests.fuzz)."""

import os

import pytest
from mpi4py import MPI

from tests.fuzz.fuzz_api import fuzz, summary

P = MPI.COMM_WORLD.Get_size()
CASES = int(os.environ.get("NUMPY_DIST_FUZZ_CASES", "300"))


@pytest.mark.skipif(P not in (3, 4), reason="bad-input fuzzing runs at 3 and 4 ranks")
def test_fuzz_public_api():
    result = fuzz(CASES, seed=P)
    counts = result["counts"]
    bad = sum(v for k, v in counts.items() if k != "cases")
    assert bad == 0, summary(counts) + "\n" + "\n".join(result["failures"][:20])
