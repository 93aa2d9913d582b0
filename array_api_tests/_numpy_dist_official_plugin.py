"""pytest plugin used by :mod:`array_api_tests.official` inside the official suite's session.

Loaded as the top-level module ``_numpy_dist_official_plugin`` (the suite's
package is also called ``array_api_tests``).

Rank 0 appends one JSON line per finished test (its collective outcome, as
merged by ``numpy_dist.testing._pytest_plugin``) to ``$NUMPY_DIST_OFFICIAL_LOG``
and one ``start`` line before each test, flushed at once, so the runner knows
what finished and what was running if the MPI job is aborted (per-test
timeout).  Test ids listed in ``$NUMPY_DIST_OFFICIAL_DESELECT`` are deselected
(tests already run before a restart).  The collected ids go to
``$NUMPY_DIST_OFFICIAL_LOG.collected`` for the runner's stale-xfail check.
"""

from __future__ import annotations

import json
import os

import pytest

_outcomes: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    """Make Hypothesis' ``strategy.example()`` deterministic.

    The suite's special-case tests draw their one input with ``.example()``,
    which is random on purpose; under SPMD every rank must hold the same
    global data, so each rank would otherwise test a different value against
    the replicated result.  The shrunk example of a derandomised search is the
    same on every rank.
    """
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.strategies import SearchStrategy

    fixed = settings(database=None, derandomize=True, phases=[Phase.generate, Phase.shrink],
                     suppress_health_check=list(HealthCheck), deadline=None)

    def example(self):  # noqa: ANN001 - hypothesis' signature
        return find(self, lambda _: True, settings=fixed)

    SearchStrategy.example = example


def _rank0() -> bool:
    from mpi4py import MPI

    return MPI.COMM_WORLD.Get_rank() == 0


def _write(record: dict) -> None:
    path = os.environ.get("NUMPY_DIST_OFFICIAL_LOG")
    if path and _rank0():
        with open(path, "a") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    path = os.environ.get("NUMPY_DIST_OFFICIAL_DESELECT")
    done = set()
    if path and os.path.exists(path):
        with open(path) as f:
            done = {line.strip() for line in f if line.strip()}
    log = os.environ.get("NUMPY_DIST_OFFICIAL_LOG")
    if log and _rank0() and not done:
        with open(log + ".collected", "w") as f:
            f.writelines(item.nodeid + "\n" for item in items)
    if done:
        keep = [i for i in items if i.nodeid not in done]
        config.hook.pytest_deselected(items=[i for i in items if i.nodeid in done])
        items[:] = keep


def pytest_runtest_logstart(nodeid: str, location: tuple) -> None:
    _write({"event": "start", "nodeid": nodeid})


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    prev = _outcomes.get(report.nodeid, "passed")
    xfail = hasattr(report, "wasxfail")
    if report.failed:
        outcome = "failed"
    elif report.skipped:
        outcome = "xfailed" if xfail else "skipped"
    elif report.when == "call":
        outcome = "xpassed" if xfail else "passed"
    else:
        outcome = prev
    if prev in ("failed",) or (prev in ("skipped", "xfailed") and outcome == "passed"):
        outcome = prev
    _outcomes[report.nodeid] = outcome
    if report.when == "teardown":
        message = ""
        if outcome == "failed" and report.longrepr is not None:
            crash = getattr(report.longrepr, "reprcrash", None)
            message = crash.message if crash is not None else str(report.longrepr).strip().splitlines()[-1]
        _write({"event": "done", "nodeid": report.nodeid, "outcome": outcome, "message": message[:300]})
