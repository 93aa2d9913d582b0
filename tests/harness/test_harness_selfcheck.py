"""Self-checks of the multi-rank test harness, meaningful at any rank count.

They run in the default suite (``python -m numpy_dist.testing``).  The
deliberately failing/hanging scenarios live outside the suite, in
``python -m numpy_dist.testing._selfcheck_failures``.
"""

import os

import pytest
from mpi4py import MPI

from numpy_dist.testing import _pytest_plugin as plugin

comm = MPI.COMM_WORLD
# Set by the runner (python -m numpy_dist.testing) to the -n it gave mpiexec.
LAUNCHED = os.environ.get("NUMPY_DIST_NPROCS")


@pytest.mark.skipif(LAUNCHED is None, reason="not started by python -m numpy_dist.testing")
def test_world_size_is_what_mpiexec_was_given():
    assert comm.size == int(LAUNCHED)


@pytest.mark.skipif(LAUNCHED is None, reason="not started by python -m numpy_dist.testing")
def test_plugin_is_active_under_the_runner(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin(plugin.__name__)
    # The runner always passes a per-test timeout, handled by the plugin.
    assert pytestconfig.getoption("timeout")
    assert pytestconfig.pluginmanager.has_plugin("numpy_dist-timeout")


def test_collectives_work_in_a_test():
    assert comm.allreduce(comm.rank) == comm.size * (comm.size - 1) // 2
    assert comm.allgather(comm.rank) == list(range(comm.size))
    assert comm.bcast("from root" if comm.rank == 0 else None, root=0) == "from root"
    comm.barrier()


def test_plugin_uses_a_private_communicator():
    if plugin._S is None:
        pytest.skip("plugin not loaded")
    assert MPI.Comm.Compare(plugin._S.comm, comm) == MPI.CONGRUENT
    assert plugin._S.size == comm.size and plugin._S.rank == comm.rank


def test_environment_agrees_across_ranks_but_for_the_hash_seed():
    # BLAS threading must not differ between ranks; the string-hash seed does, as in a user's mpiexec (the
    # runner gives each rank its own: a collective decision taken in a set's order must show here).
    threads = os.environ.get("OMP_NUM_THREADS")
    assert comm.allgather(threads) == [threads] * comm.size
    if LAUNCHED is not None:
        seeds = comm.allgather(os.environ.get("PYTHONHASHSEED"))
        assert len(set(seeds)) == comm.size and all(s is not None and s.isdigit() for s in seeds), seeds


def test_hypothesis_seed_agrees_across_ranks(pytestconfig):
    seed = getattr(pytestconfig.option, "hypothesis_seed", None)
    assert comm.allgather(seed) == [seed] * comm.size
    if comm.size > 1 and plugin._S is not None and hasattr(pytestconfig.option, "hypothesis_seed"):
        assert seed is not None


@pytest.mark.parametrize(
    ("outcomes", "merged"),
    [
        (["passed"], "passed"),
        (["passed", "passed", "passed"], "passed"),
        (["passed", "failed", "passed"], "failed"),
        (["skipped", "failed"], "failed"),
        (["passed", "skipped"], "skipped"),
        (["xpassed", "xfailed"], "xfailed"),
        (["skipped", "xfailed"], "xfailed"),
        (["xpassed", "passed"], "xpassed"),
    ],
)
def test_merge_rule(outcomes, merged):
    assert plugin.merge_outcomes(outcomes) == merged


class _Report:
    """Just enough of a TestReport for :func:`_apply`."""

    def __init__(self, outcome, longrepr=None, when="call"):
        self.outcome, self.longrepr, self.when = outcome, longrepr, when
        self.location = ("t.py", 1, "t")

    @property
    def failed(self):
        return self.outcome == "failed"

    @property
    def skipped(self):
        return self.outcome == "skipped"


def test_apply_fails_passing_rank_and_names_failing_ranks():
    infos = [
        {"outcome": "passed"},
        {"outcome": "failed", "text": "Traceback...\nE  boom", "message": "boom", "crash": ("t.py", 3)},
        {"outcome": "passed"},
    ]
    rep = _Report("passed", when="setup")
    plugin._apply(rep, infos, 0)
    assert rep.outcome == "failed"
    assert rep.longrepr.reprcrash.message == "[rank 1 of 3] boom"
    text = str(rep.longrepr)
    assert "setup failed on rank 1 of 3" in text and "E  boom" in text


def test_apply_turns_partial_skip_into_skip_everywhere():
    infos = [{"outcome": "passed"}, {"outcome": "skipped", "skip": ("t.py", 5, "Skipped: no")}]
    rep = _Report("passed")
    plugin._apply(rep, infos, 0)
    assert rep.outcome == "skipped"
    assert rep.longrepr == ("t.py", 5, "Skipped: no [skipped on rank 1 of 2]")


try:
    from hypothesis import HealthCheck, given, settings, strategies as st
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    given = None

if given is not None:

    @settings(max_examples=25, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.integers(), max_size=5), st.text(max_size=5))
    def test_hypothesis_draws_the_same_examples_on_every_rank(xs, s):
        # Different examples per rank would mean different collectives per rank.
        assert comm.allgather((xs, s)) == [(xs, s)] * comm.size
