"""What a new user meets first: mixed communicators, a crash on one rank, no MPI library,
the benchmark runner and the plotting backend.

Mistakes end promptly with a clear message on every rank instead of hanging.  The
scenarios that must end a whole MPI job run a small script under their own
``mpiexec`` (started by rank 0 with a time limit); the verdict is shared with the
other ranks.
"""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

import numpy_dist as nd
from numpy_dist.testing import assert_all_ranks, distribute, rng_data
from numpy_dist.testing.runner import _kill_job, find_mpiexec

P = MPI.COMM_WORLD.Get_size()
RANK = MPI.COMM_WORLD.Get_rank()
ROOT = str(Path(nd.__file__).resolve().parent.parent)
# Variables MPICH's and Open MPI's launchers give a rank: a nested job must not inherit them (an Open
# MPI child that sees OMPI_*/PMIX_* joins its parent's job instead of starting its own, and waits
# forever).  A nested launch gets the settings it needs from the launcher it runs.
_LAUNCHER_VARS = ("PMI_", "HYDI_", "HYDRA_", "MPI_LOCALNRANKS", "MPI_LOCALRANKID", "OMPI_", "PMIX_", "OPAL_")


def _clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_LAUNCHER_VARS)}
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("OMP_NUM_THREADS", "1")
    env.update(extra)
    return env


def _run_on_rank0(cmd: list, timeout: float, **env: str) -> tuple[int, str, float]:
    """Run ``cmd`` from rank 0 only; every rank gets (return code, output, seconds)."""
    result = None
    if RANK == 0:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, env=_clean_env(**env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=timeout)
            result = (proc.returncode, out, time.monotonic() - start)
        except subprocess.TimeoutExpired:
            _kill_job(proc)  # mpiexec, its proxy and every rank: nothing is left running
            out, _ = proc.communicate()
            result = (None, out or "", timeout)
    return MPI.COMM_WORLD.bcast(result, root=0)


def _script(tmp_path_factory, body: str) -> str:
    path = None
    if RANK == 0:
        path = str(tmp_path_factory.mktemp("first_contact") / "prog.py")
        Path(path).write_text(textwrap.dedent(body))
    return MPI.COMM_WORLD.bcast(path, root=0)


# --------------------------------------------------------------------------
# Operands on different communicators: ValueError everywhere, before any message
# --------------------------------------------------------------------------

MIXED_OPERATIONS = {
    "matmul": lambda a, s: a @ s,
    "dot": lambda a, s: np.dot(a, s),
    "add": lambda a, s: a + s,
    "add_out": lambda a, s: np.add(a, a, out=s),
    "concatenate": lambda a, s: np.concatenate([a, s]),
    "stack": lambda a, s: np.stack((a, s)),
    "where": lambda a, s: np.where(s, a, 0.0),
    "sum_where": lambda a, s: np.sum(a, where=s),
    "getitem": lambda a, s: a[s],
    "setitem": lambda a, s: a.__setitem__(slice(None), s),
    "allclose": lambda a, s: np.allclose(a, s),
}


BOOLEAN_OPERAND = ("where", "sum_where", "getitem")


@pytest.mark.parametrize("name", list(MIXED_OPERATIONS))
@pytest.mark.parametrize("case", ["block", "cyclic", "grid_bb"])
def test_mixed_communicators_raise_value_error_before_any_message(name, case):
    x = rng_data((4, 4))
    a = distribute(x, case)
    for other_comm in (MPI.COMM_SELF, MPI.COMM_WORLD.Dup()):
        s = nd.asarray(x > 0 if name in BOOLEAN_OPERAND else x, comm=other_comm)
        nd.reset_comm_stats()
        with pytest.raises(ValueError, match="different communicators"):
            MIXED_OPERATIONS[name](a, s)
        stats = nd.comm_stats()
        assert stats["collectives"] == 0 and stats["control_collectives"] == 0, stats
        if name not in BOOLEAN_OPERAND:
            with pytest.raises(ValueError, match="different communicators"):
                MIXED_OPERATIONS[name](s, a)  # either order
    # The same operations on one communicator work (the check does not get in the way).
    b = distribute(x > 0 if name in BOOLEAN_OPERAND else x, case)
    if name not in ("setitem",):
        MIXED_OPERATIONS[name](a, b)
    assert_all_ranks(True)


def test_mixed_communicator_product_ends_under_mpiexec(tmp_path_factory):
    # The reproducer: a @ s with s on COMM_SELF used to hang one rank forever.
    n = max(2, P)
    path = _script(tmp_path_factory, """
        import numpy as np, numpy_dist as nd
        from mpi4py import MPI
        a = nd.asarray(np.ones((4, 4)))
        s = nd.asarray(np.ones((4, 4)), comm=MPI.COMM_SELF)
        try:
            a @ s
        except ValueError as exc:
            print(f"rank {MPI.COMM_WORLD.rank}: ValueError: {exc}")
    """)
    code, out, took = _run_on_rank0([find_mpiexec(), "-n", str(n), sys.executable, path], timeout=60)
    assert code == 0, f"status {code} after {took:.0f}s:\n{out}"
    assert out.count("ValueError: DistArray operands live on different communicators") == n, out


# --------------------------------------------------------------------------
# An uncaught exception on one rank ends the whole job
# --------------------------------------------------------------------------

_ONE_RANK_FAILS = """
    import numpy as np, numpy_dist as nd
    from mpi4py import MPI
    d = nd.asarray(np.ones(10))
    if MPI.COMM_WORLD.rank == 1:
        raise RuntimeError("only rank 1 fails")
    print(float(np.sum(d)))  # the other ranks wait here for rank 1
"""


def test_uncaught_exception_on_one_rank_aborts_the_job(tmp_path_factory):
    n = max(2, P)
    path = _script(tmp_path_factory, _ONE_RANK_FAILS)
    code, out, took = _run_on_rank0([find_mpiexec(), "-n", str(n), sys.executable, path], timeout=60)
    assert code not in (None, 0), f"status {code} after {took:.0f}s:\n{out}"
    assert took < 30, f"took {took:.0f}s"
    assert "RuntimeError: only rank 1 fails" in out and "Traceback" in out, out
    assert "uncaught RuntimeError on rank 1" in out and "NUMPY_DIST_ABORT_ON_ERROR=0" in out, out


def test_abort_on_error_can_be_turned_off(tmp_path_factory):
    # With the hook off the job hangs as before; the time limit ends it.
    path = _script(tmp_path_factory, _ONE_RANK_FAILS)
    code, out, took = _run_on_rank0([find_mpiexec(), "-n", "2", sys.executable, path], timeout=8,
                                    NUMPY_DIST_ABORT_ON_ERROR="0")
    assert code is None or "uncaught RuntimeError" not in out, out


def test_excepthook_is_installed_only_above_one_rank():
    from numpy_dist import comm as _comm

    assert (sys.excepthook is _comm._abort_on_uncaught) == (P > 1) or os.environ.get(_comm.ABORT_ENV) == "0"


# --------------------------------------------------------------------------
# No MPI library: a clear ImportError naming both fixes
# --------------------------------------------------------------------------

_NO_MPI = """
import importlib.abc, sys

class NoMPI(importlib.abc.MetaPathFinder):
    # What mpi4py raises when it cannot dlopen libmpi
    def find_spec(self, name, path, target=None):
        if name == "mpi4py.MPI":
            raise RuntimeError("cannot load MPI library\\nlibmpi.so.12: cannot open shared object file")
        return None

sys.meta_path.insert(0, NoMPI())
try:
    import numpy_dist
except ImportError as exc:
    print("ImportError:", exc)
    sys.exit(0)
print("imported without MPI?")
sys.exit(1)
"""


def test_missing_mpi_library_gives_a_clear_import_error():
    code, out, _ = _run_on_rank0([sys.executable, "-c", _NO_MPI], timeout=60)
    assert code == 0, out
    assert 'pip install "numpy_dist[mpich]"' in out and "mpi4py" in out and "cluster" in out, out
    assert "cannot load MPI library" in out, out


# --------------------------------------------------------------------------
# The benchmark runner ships in the package; plotting keeps the backend
# --------------------------------------------------------------------------


def test_benchmark_runner_is_part_of_the_package():
    import importlib.util

    spec = importlib.util.find_spec("numpy_dist.benchmarks.__main__")
    assert spec is not None and spec.origin.startswith(str(Path(nd.__file__).parent))
    code, out, _ = _run_on_rank0([sys.executable, "-m", "numpy_dist.benchmarks", "--help"], timeout=120)
    assert code == 0 and "numpy_dist.benchmarks" in out, out


@pytest.mark.parametrize("case", ["block", "grid_bc", "cyclic"])
def test_plot_array_distribution_keeps_the_backend(case, tmp_path_factory):
    matplotlib = pytest.importorskip("matplotlib")
    from numpy_dist.plotting import owner_map, plot_array_distribution

    backend = matplotlib.rcParams._get_backend_or_none()  # None until something picks one
    pyplot_loaded = "matplotlib.pyplot" in sys.modules
    d = distribute(rng_data((6, 5)), case)
    png = _script(tmp_path_factory, "") + ".png"
    fig = plot_array_distribution(d, png)
    ok = matplotlib.rcParams._get_backend_or_none() == backend
    ok &= ("matplotlib.pyplot" in sys.modules) == pyplot_loaded  # no pyplot, no backend switch
    if RANK == 0:
        from matplotlib.figure import Figure

        ok &= isinstance(fig, Figure) and os.path.getsize(png) > 0
    else:
        ok &= fig is None
    owners = owner_map(d)
    ok &= owners.shape == (6, 5) and set(np.unique(owners).tolist()) <= set(range(P))
    assert_all_ranks(ok, f"backend {backend} -> {matplotlib.rcParams._get_backend_or_none()}, fig {fig!r}")


def test_benchmark_never_calls_a_wrong_result_met():
    """A fast but wrong workload is 'wrong' in every target it touches, never 'met' (issue 15, item 6)."""
    from numpy_dist.benchmarks.report import evaluate_targets
    from numpy_dist.benchmarks.runner import Column, RowResult
    from numpy_dist.benchmarks.stream import StreamResult

    fast = Column([1e-6], 1e-6, 0, 1 << 20, True, "test")
    slow = Column([1.0], 1.0, 0, 1 << 20, True, "test")

    def row(correct):
        return RowResult("W7", "a + b", 10, [[10]], 1, False, slow, fast, None, None, 1, correct)

    stream = StreamResult(10.0, 10.0, 1000, 1)
    good = {v.target: v.status for v in evaluate_targets([row(True)], stream, 1)}
    bad = {v.target: v.status for v in evaluate_targets([row(False)], stream, 1)}
    assert "met" in good.values()
    assert "met" not in bad.values() and "wrong" in bad.values()
