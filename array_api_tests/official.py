"""Run the official array API test suite (data-apis/array-api-tests) against numpy_dist under MPI.

Usage::

    python -m array_api_tests.official --suite /path/to/array-api-tests --nproc 4 \\
        [--max-examples 20] [--timeout 60] [--xfails array_api_tests/xfails.txt] [-- extra pytest args]

The suite runs as ``mpiexec -n N python -m pytest array_api_tests ...`` in its
checkout with ``ARRAY_API_TESTS_MODULE=numpy_dist``, derandomised Hypothesis
(every rank must draw the same examples), no deadline, a per-test timeout
(pytest-timeout through numpy_dist's MPI pytest plugin, which also makes each
verdict collective), and the xfail ids of ``xfails.txt`` that apply to ``N``.

``xfails.txt`` format: ``test_id  # reason`` per line; ``#`` lines are
comments (one per group of ids with the same cause); ``[nproc: 2,3,4]``
starts a section that applies only to those rank counts (``[all]`` returns to
every rank count).  Ids are the suite's node ids (narrow; whole modules are
refused).

A per-test timeout aborts the whole MPI job; the runner then records that
test as failed (timeout) and restarts the job without the tests already run,
so one hang costs one test, not the run.  It prints
``N passed, N failed, N skipped, N xfailed`` (and ``N xpassed``), lists
failures and XPASSes (an xfail entry that passes must be removed, so the list
only shrinks) and exits 1 if anything failed or xpassed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from numpy_dist.testing.runner import find_mpiexec

HERE = Path(__file__).resolve().parent
DEFAULT_XFAILS = HERE / "xfails.txt"
_SECTION = re.compile(r"^\[(all|nproc:\s*[\d,\s]+)\]\s*$")


def read_xfails(path: Path, nproc: int) -> dict[str, str]:
    """``{test_id: reason}`` of the entries of ``path`` that apply to ``nproc`` ranks.

    The reason is the entry's own ``# ...`` comment, else the group's comment line.
    """
    entries: dict[str, str] = {}
    applies, group = True, ""
    for lineno, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        m = _SECTION.match(line)
        if m:
            spec = m.group(1)
            applies = spec == "all" or nproc in {int(v) for v in spec.split(":", 1)[1].split(",") if v.strip()}
            continue
        if line.startswith("#"):
            group = line.lstrip("# ").strip()
            continue
        test_id, _, reason = line.partition("#")
        test_id = test_id.strip()
        if "::" not in test_id:
            raise ValueError(f"{path}:{lineno}: {test_id!r} is not a test id (whole modules cannot be xfailed)")
        if applies:
            entries[test_id] = reason.strip() or group
    return entries


def _matches(test_id: str, nodeid: str) -> bool:
    """The suite's own matching rule (exact, or the id without parametrisation)."""
    return nodeid == test_id or nodeid.split("[", 1)[0] == test_id


def _load(log: Path) -> tuple[dict[str, dict], str | None]:
    done: dict[str, dict] = {}
    running = None
    if not log.exists():
        return done, None
    for line in log.read_text().splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by the abort
        if rec["event"] == "start":
            running = rec["nodeid"]
        else:
            done[rec["nodeid"]] = rec
            if running == rec["nodeid"]:
                running = None
    return done, running


def run(suite: Path, nproc: int, max_examples: int, timeout: float, xfails: Path, extra: list[str],
        mpiexec: str | None = None, max_restarts: int = 20) -> int:
    """Run the suite at ``nproc`` ranks and print the summary; returns the exit status."""
    tests_dir = suite / "array_api_tests"
    if not tests_dir.is_dir():
        print(f"error: {tests_dir} not found (is --suite a checkout of data-apis/array-api-tests?)", file=sys.stderr)
        return 2
    entries = read_xfails(xfails, nproc)
    work = Path(tempfile.mkdtemp(prefix=f"array-api-official-{nproc}-"))
    xfail_file, log, deselect = work / "xfails.txt", work / "results.jsonl", work / "deselect.txt"
    xfail_file.write_text("".join(f"{t}\n" for t in entries))
    env = dict(os.environ, ARRAY_API_TESTS_MODULE="numpy_dist", PYTHONHASHSEED="0",
               NUMPY_DIST_OFFICIAL_LOG=str(log), NUMPY_DIST_OFFICIAL_DESELECT=str(deselect))
    # The plugin is imported as a top-level module: this package's name is the suite's too.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH", ""), str(HERE)) if p)
    cmd = [mpiexec or find_mpiexec(), "-n", str(nproc), sys.executable, "-m", "pytest", "array_api_tests", "-q", "-p", "no:cacheprovider",
           "-p", "numpy_dist.testing._pytest_plugin", "-p", "_numpy_dist_official_plugin",
           "--timeout", str(timeout), "--max-examples", str(max_examples), "--derandomize", "--disable-deadline",
           "--xfails-file", str(xfail_file), "-W", "ignore::UserWarning", "--tb=line", "-rN", *extra]
    aborted: dict[str, str] = {}
    for attempt in range(max_restarts + 1):
        proc = subprocess.run(cmd, cwd=suite, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        done, running = _load(log)
        if proc.returncode in (0, 1) or (running is None and proc.returncode not in (124, 3)):
            if proc.returncode not in (0, 1) or not done:  # a launcher or collection failure: show it
                print(proc.stdout[-3000:])
            break
        # The job was aborted (timeout or desync): the test that was running failed.
        culprit = running or "<unknown test>"
        aborted[culprit] = f"MPI job aborted with status {proc.returncode} (per-test timeout {timeout:g}s or hang)"
        print(f"[official] job aborted (status {proc.returncode}) in {culprit}; restarting without the tests run",
              file=sys.stderr)
        deselect.write_text("".join(f"{n}\n" for n in [*done, *aborted]))
        if running is None:
            print(proc.stdout[-3000:])
            break
    done, _ = _load(log)
    results = {n: r["outcome"] for n, r in done.items()}
    messages = {n: r.get("message", "") for n, r in done.items()}
    for n, why in aborted.items():
        xfailed = any(_matches(t, n) for t in entries)
        results[n] = "xfailed" if xfailed else "failed"
        messages[n] = why
    return report(results, messages, entries, work / "results.jsonl.collected", nproc)


def report(results: dict[str, str], messages: dict[str, str], entries: dict[str, str], collected_file: Path,
           nproc: int) -> int:
    """Print the summary line, failures, XPASSes and stale xfail entries; the exit status."""
    counts = {k: 0 for k in ("passed", "failed", "skipped", "xfailed", "xpassed")}
    for outcome in results.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    for n in sorted(n for n, o in results.items() if o == "failed"):
        print(f"FAILED {n} - {messages.get(n, '')}")
    for n in sorted(n for n, o in results.items() if o == "xpassed"):
        print(f"XPASS {n} (listed in xfails.txt: remove it)")
    collected = collected_file.read_text().splitlines() if collected_file.exists() else []
    stale = [t for t in entries if collected and not any(_matches(t, n) for n in collected)]
    for t in stale:
        print(f"STALE xfail entry (matches no test): {t}")
    print(f"[nproc={nproc}] {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped, "
          f"{counts['xfailed']} xfailed" + (f", {counts['xpassed']} xpassed" if counts["xpassed"] else ""))
    return 1 if counts["failed"] or counts["xpassed"] else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", required=True, type=Path, help="checkout of data-apis/array-api-tests")
    parser.add_argument("--nproc", type=int, default=1)
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=60.0, help="per-test timeout in seconds")
    parser.add_argument("--xfails", type=Path, default=DEFAULT_XFAILS)
    parser.add_argument("--mpiexec", default=None,
                        help="launcher (default: the one next to this Python, as numpy_dist.testing picks it)")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    return run(args.suite.resolve(), args.nproc, args.max_examples, args.timeout, args.xfails.resolve(),
               args.pytest_args, args.mpiexec)


if __name__ == "__main__":
    sys.exit(main())
