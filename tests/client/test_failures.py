"""A hung engine, a collective entered by one rank only, and an engine killed mid-operation:
each gives a clear error in the notebook within seconds, never a frozen kernel.

These tests break their cluster, so they start their own (2 engines, a short watchdog).
"""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

import numpy_dist as nd
from numpy_dist.client import EngineDiedError, EngineTimeoutError


@pytest.fixture(scope="module")
def fragile():
    c = nd.client.connect(n=2, timeout=60, watchdog=3)
    yield c
    c.close()


def test_busy_engine_gives_a_timeout_not_a_frozen_kernel(fragile):
    fragile.timeout = 1.5
    start = time.monotonic()
    with pytest.raises(EngineTimeoutError, match=r"c.run\(sleep\)"):
        fragile.run(time.sleep, 4)
    assert time.monotonic() - start < 4
    fragile.timeout = 60
    fragile.sync()  # the engines finish the sleep; the session goes on
    assert float(np.sum(fragile.ones(10))) == 10.0


def _one_rank_collective(d):
    import numpy_dist as nd

    if nd.get_comm().Get_rank() == 0:
        return repr(d)  # collective: the other rank never joins, the engines' watchdog ends the MPI job


def test_collective_on_one_rank_ends_with_engine_died(fragile):
    start = time.monotonic()
    with pytest.raises(EngineDiedError, match="one_rank_collective"):
        fragile.run(_one_rank_collective, fragile.arange(10))
    assert time.monotonic() - start < 30
    with pytest.raises(EngineDiedError):
        fragile.zeros(3) + 1  # the session says so at once afterwards


def test_engine_killed_mid_operation():
    with nd.client.connect(n=2, timeout=60) as c:
        pids = c.run(os.getpid, all_ranks=True)
        killer = threading.Timer(1.0, os.kill, (pids[1], signal.SIGKILL))
        killer.start()
        start = time.monotonic()
        with pytest.raises(EngineDiedError, match=r"c.run\(sleep\)"):
            c.run(time.sleep, 30)
        assert time.monotonic() - start < 15
        killer.join()
