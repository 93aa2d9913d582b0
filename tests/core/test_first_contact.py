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


@pytest.mark.own_jobs
@pytest.mark.skipif(P != 1, reason="its own 2-rank job waits out an 8 s hang: once per test session is enough")
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


_WARNING_CODE = ("import numpy as np, numpy_dist as nd\n"
                 "x = nd.asarray(np.array([0.0, -1.0, 4.0]))\n"
                 "print(nd.asnumpy(np.log(x) + x ** -1).tolist())\n")


@pytest.mark.skipif(P != 1, reason="a subprocess of its own, whatever the rank count: once per test session")
@pytest.mark.parametrize("how", ["-c", "-i"])
def test_warnings_of_code_without_a_source_file(how):
    # ``python -c`` and the interactive prompt: their module's loader has no source to show with a warning.
    cmd = [sys.executable, "-c", _WARNING_CODE] if how == "-c" else [sys.executable, "-i", "-q"]
    result = subprocess.run(cmd, input=None if how == "-c" else _WARNING_CODE, env=_clean_env(), text=True,
                            capture_output=True, timeout=120)
    out = result.stdout + result.stderr
    assert result.returncode == 0 and "Traceback" not in out, out
    x = np.array([0.0, -1.0, 4.0])
    with np.errstate(all="ignore"):
        assert str((np.log(x) + x ** -1).tolist()) in out, out
    for warning in ("divide by zero encountered in log", "invalid value encountered in log",
                    "divide by zero encountered in reciprocal", "invalid value encountered in add"):
        assert warning in out, out


# --------------------------------------------------------------------------
# The benchmark runner ships in the package; plotting keeps the backend
# --------------------------------------------------------------------------


@pytest.mark.own_jobs
@pytest.mark.skipif(P != 1, reason="a subprocess of its own, whatever the rank count: once per test session")
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


# --------------------------------------------------------------------------
# The benchmark's expert column (hand-written mpi4py) and W7e (issue 20, item 4)
# --------------------------------------------------------------------------


def _bench_size(w) -> int:
    """A size that splits unevenly over 2, 3 and 4 ranks (1-d: 1001 elements; 2-d: 23 rows)."""
    return 1001 if len(w.shapes(1)[0]) == 1 else 23


def _close(a, b) -> bool:
    if isinstance(b, tuple):
        return isinstance(a, tuple) and len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return np.shape(a) == np.shape(b) and bool(np.allclose(a, b, rtol=1e-9, atol=1e-12))


def _expert_keys() -> list[str]:
    from numpy_dist.benchmarks.expert import EXPERTS

    return sorted(EXPERTS)


@pytest.mark.parametrize("key", _expert_keys())
def test_benchmark_expert_kernels_match_numpy(key):
    """Each hand-written mpi4py kernel gives NumPy's result, on uneven row blocks at any rank count."""
    from numpy_dist.benchmarks.expert import EXPERTS, gather_result
    from numpy_dist.benchmarks.workloads import select

    (w,) = select(key)
    expert = EXPERTS[key]
    size = _bench_size(w)
    expected = w.kernel(*w.make_inputs(size))
    comm = MPI.COMM_WORLD
    result = gather_result(comm, expert, expert.kernel(comm, *expert.prepare(comm, w.make_inputs(size))))
    ok = RANK != 0 or _close(result, expected)
    assert_all_ranks(ok, f"{key}: expert {result!r} != NumPy {expected!r}")


def test_benchmark_expert_code_does_not_use_numpy_dist():
    import ast

    from numpy_dist.benchmarks import expert

    tree = ast.parse(Path(expert.__file__).read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level}
    relative = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level}
    assert imported <= {"__future__", "collections.abc", "dataclasses", "typing", "numpy", "mpi4py"}, imported
    assert relative <= {"workloads"}, relative  # the workload table's constants; it imports NumPy only


def test_benchmark_evaluate_hook_reaches_only_w7e():
    """W7e's kernel gets the runner's evaluate hook (numpy_dist.evaluate for DistArrays); others stay plain."""
    from numpy_dist.benchmarks.workloads import LATENCY_OPS, WORKLOADS

    seen = []
    hooked = {w.key for w in WORKLOADS if w.kernel_for(seen.append) is not w.kernel}
    assert hooked == {"W7e"}
    (w7e,) = [w for w in WORKLOADS if w.key == "W7e"]
    a, b = np.arange(3.0), np.ones(3)
    assert np.array_equal(w7e.kernel_for(seen.append)(a, b), a + b) and len(seen) == LATENCY_OPS
    assert np.array_equal(w7e.kernel(a, b), a + b)  # the NumPy columns: the no-op hook


@pytest.mark.own_jobs
@pytest.mark.timeout(900)  # a whole --small run with STREAM: about a minute, several on a loaded machine
@pytest.mark.skipif(P != 1, reason="starts its own 1- and 2-rank jobs: once per test session is enough")
@pytest.mark.parametrize("nprocs, options", [
    # (every expert kernel is checked against NumPy at every rank count above; these runs check the table)
    (1, ["--only", "W1,W3,W7,W7e"]),
    (2, ["--only", "W2b,W4,W6,W7e"]),  # expert kernels that communicate, and W7e
    (2, ["--eager", "--only", "W1,W4,W7e"]),
    (1, ["--lazy", "--only", "W7e"]),
], ids=["1rank", "2ranks", "2ranks-eager", "1rank-lazy"])
def test_benchmark_small_run_prints_expert_column(nprocs, options, tmp_path):
    """``--small`` end to end: every row (W7e included) has a correct expert result and the table prints."""
    import json

    path = tmp_path / "bench.json"
    cmd = [find_mpiexec(), "-n", str(nprocs), sys.executable, "-m", "numpy_dist.benchmarks", "--small",
           "--repeats", "1", "--json", str(path), *options]
    code, out, took = _run_on_rank0(cmd, timeout=900)
    assert code == 0, f"status {code} after {took:.0f}s:\n{out}"
    assert "expert s" in out and "exp/dist" in out and "DIFFERS" not in out, out
    assert ("EAGER evaluation" in out) == ("--eager" in options or os.environ.get("NUMPY_DIST_LAZY") == "0"
                                          and "--lazy" not in options), out
    rows = json.loads(path.read_text())["workloads"]
    keys = [r["key"] for r in rows]
    assert "W7e" in keys and all(f"\n{k} " in out for k in keys), out
    assert [r["key"] for r in rows if not (r["correct"] and r["expert_correct"])] == []
    assert all(r["expert"]["median"] > 0 and r["speedup_dist_over_expert"] > 0 for r in rows)
