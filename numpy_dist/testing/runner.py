"""Run the test suite under ``mpiexec`` for several rank counts in turn.

``python -m numpy_dist.testing [options] [pytest args...]`` runs, for each N
in ``--nprocs`` (default 1,2,3,4)::

    mpiexec -n N python -m pytest -p numpy_dist.testing._pytest_plugin \\
        --timeout=T --timeout-method=thread <pytest args>

(each rank with a string-hash seed of its own, as a user's ``mpiexec`` gives
it: see :func:`hash_seeds`) with a wall-clock bound per rank count, prints a
header before and a summary line after each run, a final summary, and exits 1
if any rank count failed.
Then, for each N in ``--wide-nprocs`` (default 5,8, unless ``--nprocs`` was
given alone), it runs the tests marked ``wide`` (``-m wide``): the subset that
also runs at more ranks than this machine has cores (tests/conftest.py tags it).

Options of this runner (everything else, or everything after ``--``, goes to
pytest; without pytest args the existing ones of ``tests``/``array_api_tests``
are used):

``--nprocs 1,2,3,4``   rank counts to run, in order
``--wide-nprocs 5,8``  rank counts that run only the ``wide`` tests ('' = none;
                       default '' when ``--nprocs`` is given); any counts, e.g.
                       ``--nprocs '' --wide-nprocs 5,6,7,8`` for the subset alone
``--timeout 120``      per-test timeout in seconds (pytest-timeout; 0 = none)
``--total-timeout 1500``  wall-clock bound of one rank count; on expiry the
                       whole mpiexec job is killed and reported as a failure
``--allow-empty``      accept pytest exit status 5 (no tests collected)
``--exhaustive``       every sub-case of every sweep at every rank count
                       (``NUMPY_DIST_EXHAUSTIVE=1``; by default the 3- and 4-rank
                       runs share the cases and sweeps of the suite and some sweeps are sampled)
``--mpiexec PATH``     launcher to use (default: next to ``sys.executable``,
                       then ``mpiexec`` on PATH)
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

PLUGIN = "numpy_dist.testing._pytest_plugin"
DEFAULT_NPROCS = "1,2,3,4"
DEFAULT_WIDE_NPROCS = "5,8"
WIDE_SELECTION = ["-m", "wide"]
DEFAULT_TEST_DIRS = ("tests", "array_api_tests")
#: Seconds mpiexec gets to clean up its job after SIGTERM before SIGKILL.
KILL_GRACE = 10.0

# What an exit status of ``mpiexec ... pytest`` means (see _pytest_plugin).
_MEANING = {
    0: "all tests passed",
    1: "tests failed",
    2: "interrupted",
    3: "internal error or ranks out of step (job aborted)",
    4: "usage error (or ranks collected different tests)",
    5: "no tests collected",
    124: "per-test timeout (job aborted)",
}


def find_mpiexec() -> str:
    """``mpiexec`` of this interpreter's environment first, then PATH.

    ``sys.executable`` is not resolved: in a venv its directory is venv/bin,
    where the ``mpich`` wheel puts its hydra ``mpiexec``.
    """
    beside = Path(sys.executable).parent / "mpiexec"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("mpiexec")
    if found:
        return found
    raise SystemExit(
        f"numpy_dist.testing: no mpiexec next to {sys.executable} or on PATH "
        "(install the 'mpich' wheel or an MPI implementation)"
    )


def child_env(nprocs: int) -> dict[str, str]:
    """Environment of the MPI job (hydra passes it on to every rank)."""
    env = dict(os.environ)
    # One thread per rank: ranks already oversubscribe the cores.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    # Unbuffered, so output printed before an MPI_Abort is not lost.
    env["PYTHONUNBUFFERED"] = "1"
    env["NUMPY_DIST_NPROCS"] = str(nprocs)
    return env


def _descendants(pid: int) -> list[int]:
    """All descendant PIDs of *pid* (Linux /proc; empty elsewhere).

    Hydra starts its proxy and every rank in a session of their own, so
    killing mpiexec's process group does not reach them.
    """
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _kill_job(proc: subprocess.Popen) -> None:
    """End an mpiexec job: SIGTERM (hydra cleans up), then SIGKILL leftovers."""
    tree = _descendants(proc.pid)
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except OSError:
        pass
    try:
        proc.wait(KILL_GRACE)
    except subprocess.TimeoutExpired:
        pass
    for pid in [proc.pid, *tree]:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    proc.wait()


def hash_seeds(nprocs: int, env: dict[str, str] | None = None) -> list[int]:
    """Each rank's ``PYTHONHASHSEED``: a different one per rank, from a base.

    A user's ``mpiexec -n 4 python prog.py`` starts every rank with a random
    string-hash seed of its own, so the iteration order of a set of strings
    differs between ranks: a collective decision taken in such an order would
    disagree across ranks there.  The suite runs under the same condition.
    The base is ``PYTHONHASHSEED`` when it is a number (a replay), else random;
    the header of each run prints it.

    Examples
    --------
    >>> from numpy_dist.testing.runner import hash_seeds
    >>> hash_seeds(3, {"PYTHONHASHSEED": "7"})
    [7, 8, 9]
    """
    given = (env if env is not None else os.environ).get("PYTHONHASHSEED", "random")
    base = int(given) if given.isdigit() else int.from_bytes(os.urandom(4), "little") % 2**31
    return [(base + rank) % 2**32 for rank in range(nprocs)]


def run_one(nprocs, pytest_args, *, timeout, total_timeout, mpiexec):
    """Run the suite on *nprocs* ranks; return ``(exit status, seconds, note)``."""
    command = [sys.executable, "-m", "pytest", "-p", PLUGIN]
    if timeout > 0:
        command += [f"--timeout={timeout:g}", "--timeout-method=thread"]
    command += pytest_args
    seeds = hash_seeds(nprocs)
    cmd = [mpiexec]
    for rank, seed in enumerate(seeds):  # (MPMD: one segment per rank, each with its own hash seed)
        cmd += ([":"] if rank else []) + ["-n", "1", "env", f"PYTHONHASHSEED={seed}"] + command
    bar = "=" * 78
    print(f"{bar}\nnumpy_dist.testing: {nprocs} MPI rank(s), hash seeds from {seeds[0]} "
          f"(replay: PYTHONHASHSEED={seeds[0]})\n$ {mpiexec} -n {nprocs} {' '.join(command)}\n{bar}", flush=True)
    start = time.monotonic()
    # Own session, so a Ctrl-C in the terminal reaches only this runner,
    # which then ends the job itself.
    proc = subprocess.Popen(cmd, env=child_env(nprocs), stdin=subprocess.DEVNULL, start_new_session=True)
    note = ""
    try:
        status = proc.wait(total_timeout if total_timeout > 0 else None)
    except subprocess.TimeoutExpired:
        _kill_job(proc)
        status = None
        note = f"total timeout {total_timeout:g}s exceeded; job killed"
    except BaseException:
        _kill_job(proc)
        raise
    return status, time.monotonic() - start, note


def _verdict(status, note, allow_empty) -> tuple[bool, str]:
    if status is None:
        return False, note
    ok = status == 0 or (status == 5 and allow_empty)
    if status < 0:
        return False, f"mpiexec killed by signal {-status}"
    return ok, f"exit {status}: {_MEANING.get(status, 'job failed')}"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m numpy_dist.testing",
        description="Run pytest under mpiexec for several rank counts.",
        epilog="Unrecognised arguments (and all after '--') are passed to pytest.",
        allow_abbrev=False,
    )
    parser.add_argument("--nprocs", default=None, help="comma-separated rank counts (default %(default)s)")
    parser.add_argument("--wide-nprocs", default=None,
                        help=f"rank counts that run only the 'wide' tests (default {DEFAULT_WIDE_NPROCS}, "
                        "or none when --nprocs is given)")
    parser.add_argument("--timeout", type=float, default=120.0, help="per-test timeout in s, 0 = none (default %(default)s)")
    parser.add_argument("--total-timeout", type=float, default=1500.0, help="wall-clock bound per rank count in s, 0 = none (default %(default)s)")
    parser.add_argument("--allow-empty", action="store_true", help="do not fail when no tests were collected")
    parser.add_argument("--exhaustive", action="store_true",
                        help="every sub-case of every sweep at every rank count (NUMPY_DIST_EXHAUSTIVE=1)")
    parser.add_argument("--mpiexec", default=None, help="MPI launcher (default: next to sys.executable, then PATH)")
    if "--" in argv:
        i = argv.index("--")
        argv, tail = argv[:i], argv[i + 1:]
    else:
        tail = []
    opts, rest = parser.parse_known_args(argv)
    if opts.wide_nprocs is None:
        opts.wide_nprocs = DEFAULT_WIDE_NPROCS if opts.nprocs is None else ""
    if opts.nprocs is None:
        opts.nprocs = DEFAULT_NPROCS
    opts.nprocs = _rank_counts(parser, "--nprocs", opts.nprocs)
    opts.wide_nprocs = _rank_counts(parser, "--wide-nprocs", opts.wide_nprocs)
    if not opts.nprocs and not opts.wide_nprocs:
        parser.error("--nprocs needs at least one positive rank count")
    opts.pytest_args = rest + tail
    if not opts.pytest_args:
        opts.pytest_args = [d for d in DEFAULT_TEST_DIRS if Path(d).exists()]
    return opts


def _rank_counts(parser, option: str, text: str) -> list[int]:
    try:
        counts = [int(n) for n in text.split(",") if n.strip()]
    except ValueError:
        parser.error(f"{option} must be comma-separated integers, got {text!r}")
    if counts and min(counts) < 1:
        parser.error(f"{option} needs positive rank counts, got {text!r}")
    return counts


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None) -> int:
    """Entry point of ``python -m numpy_dist.testing``; returns the exit code."""
    opts = parse_args(sys.argv[1:] if argv is None else list(argv))
    if opts.exhaustive:
        os.environ["NUMPY_DIST_EXHAUSTIVE"] = "1"  # child_env passes it on to every rank
    # The jobs run in sessions of their own, so a CI cancel (SIGTERM) or a
    # hang-up must end them through this process: turn those into Ctrl-C.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    mpiexec = opts.mpiexec or find_mpiexec()
    results = []
    # (rank count, pytest arguments, label, whether "no tests collected" is fine)
    plan = [(n, opts.pytest_args, "", opts.allow_empty) for n in opts.nprocs]
    plan += [(n, WIDE_SELECTION + opts.pytest_args, " [wide]", True) for n in opts.wide_nprocs]
    try:
        for n, pytest_args, label, allow_empty in plan:
            status, seconds, note = run_one(
                n, pytest_args, timeout=opts.timeout,
                total_timeout=opts.total_timeout, mpiexec=mpiexec,
            )
            ok, why = _verdict(status, note, allow_empty)
            line = f"{n} rank(s){label}: {'passed' if ok else 'FAILED'} ({why}) in {seconds:.1f}s"
            print(f"numpy_dist.testing: {line}", flush=True)
            results.append((ok, line))
    except KeyboardInterrupt:
        results.append((False, f"{n} rank(s): interrupted; job killed"))
    print(f"{'=' * 30} numpy_dist.testing summary {'=' * 30}")
    for _, line in results:
        print(f"  {line}")
    failed = not results or not all(ok for ok, _ in results)
    print(f"numpy_dist.testing: {'FAILED' if failed else 'all rank counts passed'}", flush=True)
    return 1 if failed else 0
