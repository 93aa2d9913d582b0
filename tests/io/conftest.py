"""Fixtures of the I/O tests."""

import pytest

from ._helpers import make_shared_dir, remove_shared_dir


@pytest.fixture
def shared_dir():
    """A directory with the same name on every rank (rank 0 creates it and broadcasts the name)."""
    path = make_shared_dir()
    yield path
    remove_shared_dir(path)
