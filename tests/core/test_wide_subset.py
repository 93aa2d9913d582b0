"""The wide subset (tests/conftest.py) names modules and functions that exist: a renamed test would
otherwise drop out of the 5- and 8-rank runs without a word.  The cases the runs above 2 ranks share
(tests/conftest.py) still cover every case."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest

from numpy_dist.testing import EXHAUSTIVE
from tests.conftest import _SHARED, WIDE, _split_between_counts


@pytest.mark.parametrize("rel", sorted(WIDE))
def test_wide_subset_names_existing_tests(rel):
    module = importlib.import_module("tests." + rel.removesuffix(".py").replace("/", "."))
    chosen = WIDE[rel]
    if chosen == "*":
        return
    missing = [p for p in chosen if not callable(getattr(module, p.partition("[")[0], None))]
    assert not missing, f"{rel}: no such test functions {missing}"


def _fake_items():
    cases = [f"{name}-{shape}" for name in ("block", "cyclic", "grid_bb", "grid_bc", "uneven") for shape in range(7)]
    items = [SimpleNamespace(nodeid=f"tests/x.py::test_f[{c}]", callspec=SimpleNamespace(id=c), stash={})
             for c in cases]
    return items + [SimpleNamespace(nodeid="tests/x.py::test_plain", stash={})]


@pytest.mark.skipif(EXHAUSTIVE, reason="an exhaustive run shares nothing")
def test_runs_above_two_ranks_share_every_case_between_them():
    ran = {}
    for nranks in (1, 2, 3, 4, 5, 8):
        items = _fake_items()
        kept, dropped = _split_between_counts(items, nranks)
        ran[nranks] = {i.nodeid for i in items if i.stash.get(_SHARED, True)}
        assert {i.nodeid for i in dropped} == {i.nodeid for i in items} - ran[nranks]
        assert all(i.stash[_SHARED] for i in kept)
    every = {i.nodeid for i in _fake_items()}
    assert ran[1] == ran[2] == every
    assert ran[3] | ran[4] == every and ran[5] | ran[8] == every
    assert "tests/x.py::test_plain" in ran[3] & ran[4]  # unparametrized tests run at every count
    grids = {n for n in every if "grid" in n}
    assert all(grids <= ran[n] for n in ran)  # 2-d layouts at every count (their sweeps shared as usual)
    shared = every - grids - {"tests/x.py::test_plain"}
    assert 0.3 < len(ran[3] & shared) / len(shared) < 0.7  # about half each
