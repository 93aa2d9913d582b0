"""The wide subset (tests/conftest.py) names modules and functions that exist: a renamed test would
otherwise drop out of the 5- and 8-rank runs without a word."""

from __future__ import annotations

import importlib

import pytest

from tests.conftest import WIDE


@pytest.mark.parametrize("rel", sorted(WIDE))
def test_wide_subset_names_existing_tests(rel):
    module = importlib.import_module("tests." + rel.removesuffix(".py").replace("/", "."))
    chosen = WIDE[rel]
    if chosen == "*":
        return
    missing = [p for p in chosen if not callable(getattr(module, p.partition("[")[0], None))]
    assert not missing, f"{rel}: no such test functions {missing}"
