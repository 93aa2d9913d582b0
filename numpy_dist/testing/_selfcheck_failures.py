"""Demonstrate the harness on deliberately broken tests (not part of the suite).

``python -m numpy_dist.testing._selfcheck_failures [--nprocs 3] [--timeout 5] [-v]``

Each scenario writes a tiny test project into a temporary directory, runs it
with ``mpiexec -n N python -m pytest -p numpy_dist.testing._pytest_plugin``
(as the runner does), and checks the exit status, the wall time and what the
job printed; the last one runs ``python -m numpy_dist.testing`` itself with a
tiny ``--total-timeout``.  Exit status 0 iff every scenario behaved as expected.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from numpy_dist.testing import runner

HEAD = "import os, time\nimport pytest\nfrom mpi4py import MPI\ncomm = MPI.COMM_WORLD\n"

# name: (files, extra pytest args, expected statuses, must print, must not print,
#        max seconds as a function of the per-test timeout T)
SCENARIOS = {
    "a_fail_on_rank1_only": (
        {"test_a.py": """
            def test_fails_on_rank1():
                assert comm.rank != 1, "only rank 1 fails"

            def test_next_test_still_in_step():
                assert comm.allreduce(1) == comm.size
            """},
        [], {1}, ["[rank 1 of", "only rank 1 fails", "1 failed, 1 passed"], [], lambda t: 30,
    ),
    "b_hang_on_rank1": (
        {"test_b.py": """
            def test_rank1_hangs():
                if comm.rank == 1:
                    time.sleep(1000)
                comm.barrier()
            """},
        [], {124}, ["[rank 1] numpy_dist: per-test timeout", "time.sleep(1000)"], [], lambda t: t + 20,
    ),
    "c_setup_error_on_rank1": (
        {"test_c.py": """
            @pytest.fixture
            def resource():
                if comm.rank == 1:
                    raise RuntimeError("fixture failed on rank 1")
                return 1

            def test_uses_fixture(resource):
                print(f"BODY RAN on rank {comm.rank}")
                comm.barrier()  # would hang if only some ranks ran the body

            def test_next_test_still_in_step():
                comm.barrier()
            """},
        ["-s"], {1}, ["ERROR at setup of test_uses_fixture", "fixture failed on rank 1", "1 passed, 1 error"],
        ["BODY RAN"], lambda t: 30,
    ),
    "d_fail_then_collective": (
        {"test_d.py": """
            def test_rank1_fails_before_a_collective():
                assert comm.rank != 1, "rank 1 gave up before the allreduce"
                comm.allreduce(1)
            """},
        [], {124}, ["[rank 1] This rank's call failure", "rank 1 gave up before the allreduce"], [],
        lambda t: t + 20,
    ),
    "e_skip_on_rank1": (
        {"test_e.py": """
            def test_skips_on_rank1():
                if comm.rank == 1:
                    pytest.skip("not on rank 1")
            """},
        ["-rs"], {0}, ["not on rank 1 [skipped on rank 1 of", "1 skipped"], [], lambda t: 30,
    ),
    "f_pytest_exit_on_rank1": (
        {"test_f.py": """
            def test_exit():
                if comm.rank == 1:
                    pytest.exit("rank 1 leaves early")

            def test_other():
                pass
            """},
        [], {3}, ["MPI ranks are at different steps"], [], lambda t: 30,
    ),
    "g_collection_differs": (
        {"test_g.py": """
            def test_everywhere():
                pass

            if comm.rank == 1:
                def test_only_on_rank1():
                    pass
            """},
        [], {4}, ["collected tests differ between MPI ranks", "only on rank 1: test_g.py::test_only_on_rank1"],
        [], lambda t: 30,
    ),
    "h_conftest_error_on_rank1": (
        {"conftest.py": """
            def pytest_configure(config):
                if comm.rank == 1:
                    raise RuntimeError("conftest broke on rank 1")
            """,
         "test_h.py": "def test_x():\n    pass\n"},
        [], {3}, ["conftest broke on rank 1", "aborting the MPI job"], [], lambda t: 30,
    ),
    "i_all_ranks_stuck_holding_gil": (
        {"test_i.py": """
            other = comm.Dup()

            def test_mismatched_pickled_allreduce():
                # Lowercase allreduce holds the GIL while blocked, so no Python
                # timer can run: the faulthandler backstop ends the job.
                (other if comm.rank == 0 else comm).allreduce(1)
            """},
        [], {1, 9}, ["Timeout (0:00:", "in test_mismatched_pickled_allreduce"], [], lambda t: t + 30,
    ),
}


def _write_project(root: Path, files: dict[str, str]) -> None:
    root.mkdir(parents=True)
    # Own ini file: keep the repository's pytest configuration out of the way.
    (root / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    for name, body in files.items():
        (root / name).write_text(HEAD + textwrap.dedent(body))


def run_scenario(name, root, nprocs, timeout, verbose):
    """Run one scenario; return (ok, one-line report)."""
    files, args, statuses, must, must_not, limit = SCENARIOS[name]
    _write_project(root, files)
    cmd = [runner.find_mpiexec(), "-n", str(nprocs), sys.executable, "-m", "pytest",
           "-p", runner.PLUGIN, f"--timeout={timeout:g}", "--timeout-method=thread", *args]
    env = runner.child_env(nprocs)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=limit(timeout) + 30)
    except subprocess.TimeoutExpired:
        runner._kill_job(proc)
        out = (proc.stdout.read() if proc.stdout else "") + "\n[selfcheck] HUNG: job killed"
    seconds = time.monotonic() - start
    problems = []
    if proc.returncode not in statuses:
        problems.append(f"exit {proc.returncode}, expected {sorted(statuses)}")
    if seconds > limit(timeout):
        problems.append(f"took {seconds:.1f}s > {limit(timeout):g}s")
    problems += [f"missing {s!r}" for s in must if s not in out]
    problems += [f"unexpected {s!r}" for s in must_not if s in out]
    if verbose or problems:
        print(textwrap.indent(out.rstrip(), f"  {name} | "))
    verdict = "ok" if not problems else "UNEXPECTED: " + "; ".join(problems)
    return not problems, f"{name:32s} exit {proc.returncode:>4} {seconds:6.1f}s  {verdict}"


def _processes_mentioning(text: str) -> list[int]:
    """PIDs whose command line contains *text* (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if text.encode() in f.read():
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


def run_total_timeout(root: Path, nprocs: int):
    """The runner's wall-clock bound: a sleeping suite is killed, nothing left."""
    _write_project(root, {"test_j.py": "def test_sleeps():\n    time.sleep(600)\n"})
    cmd = [sys.executable, "-m", "numpy_dist.testing", "--nprocs", f"1,{nprocs}",
           "--timeout", "0", "--total-timeout", "5", str(root)]
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=120)
    seconds = time.monotonic() - start
    time.sleep(0.5)
    left = _processes_mentioning(str(root))
    problems = []
    if proc.returncode != 1:
        problems.append(f"runner exit {proc.returncode}, expected 1")
    if proc.stdout.count("FAILED (total timeout 5s exceeded; job killed)") != 4:
        problems.append("expected 'total timeout 5s exceeded' for both rank counts")
    if left:
        problems.append(f"processes left behind: {left}")
    if problems:
        print(textwrap.indent(proc.stdout.rstrip(), "  j_runner_total_timeout | "))
    verdict = "ok" if not problems else "UNEXPECTED: " + "; ".join(problems)
    return not problems, f"{'j_runner_total_timeout':32s} exit {proc.returncode:>4} {seconds:6.1f}s  {verdict}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m numpy_dist.testing._selfcheck_failures")
    parser.add_argument("--nprocs", type=int, default=3, help="ranks (>= 2; default %(default)s)")
    parser.add_argument("--timeout", type=float, default=5.0, help="per-test timeout (default %(default)s)")
    parser.add_argument("-k", default="", help="run only scenarios whose name contains this")
    parser.add_argument("-v", "--verbose", action="store_true", help="show each job's output")
    opts = parser.parse_args(argv)
    if opts.nprocs < 2:
        parser.error("the scenarios need at least 2 ranks")
    results = []
    with tempfile.TemporaryDirectory(prefix="numpy_dist_selfcheck_") as tmp:
        for name in SCENARIOS:
            if opts.k in name:
                ok, line = run_scenario(name, Path(tmp) / name, opts.nprocs, opts.timeout, opts.verbose)
                print(line, flush=True)
                results.append(ok)
        if opts.k in "j_runner_total_timeout":
            ok, line = run_total_timeout(Path(tmp) / "j_runner_total_timeout", opts.nprocs)
            print(line, flush=True)
            results.append(ok)
    print(f"{sum(results)}/{len(results)} scenarios behaved as expected")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
