"""pytest plugin that makes every test verdict collective over MPI.COMM_WORLD.

Load it with ``-p numpy_dist.testing._pytest_plugin`` and run pytest under
``mpiexec -n N``; under a plain ``python -m pytest`` it runs as one rank
(singleton MPI init) and changes nothing visible.

What it guarantees, with N ranks each running the same pytest session:

* **Collective verdicts.**  After each phase (setup, call, teardown) of each
  test the ranks allgather ``(outcome, short failure text)`` and every rank
  reports the merged outcome.  Merge order: any *failed* -> failed everywhere;
  else any *xfailed* -> xfailed; else any *skipped* -> skipped everywhere
  (a test that did not run on every rank did not run collectively); else any
  *xpassed* -> xpassed; else passed.  A setup that failed or skipped on one
  rank is therefore non-passed on all ranks, so pytest skips the call phase
  everywhere (``runtestprotocol`` runs call only ``if rep.passed``).  Rank 0's
  failure report shows its own traceback first, then the failing ranks' text.
* **Identical collection.**  The collected node ids (count + hash) are
  compared at the end of collection; a difference stops the session on every
  rank with ``pytest.exit`` (exit status 4) and a diff on rank 0.
* **Identical exit status** on every rank (agreed in ``pytest_sessionfinish``).
* **No hangs.**  Every plugin collective carries a tag (what step the rank is
  at); ranks at different steps -> ``COMM_WORLD.Abort(3)``.  A rank leaving
  pytest with a non-zero status before that agreement (an exception in
  ``pytest_configure``, an internal error, ...) aborts the job, like
  ``python -m mpi4py`` does.
* **Per-test timeout** (pytest-timeout's ``--timeout``/marker/ini settings;
  with several ranks both ``--timeout-method`` values use this plugin's
  watchdog thread): a rank still inside the test prints its stacks with a
  ``[rank r]`` prefix, then ``Abort(124)`` ends the job (hydra kills every
  rank; ``mpiexec`` exits 124).  A rank that finished the phase and only waits
  for the verdict prints its own failure, if any (often why the others are
  stuck), and gives the stuck ranks a few seconds to print first.  Ranks
  blocked in a call that holds the GIL (mpi4py's lowercase ``allreduce``)
  cannot run that thread; ``faulthandler`` then dumps the raw stack and
  ``_exit(1)``s some seconds later (``mpiexec`` exits 1 or 9).
* **Quiet ranks.**  Only rank 0 writes the normal terminal report; other ranks'
  terminal reporter writes to /dev/null (their failures still reach rank 0
  through the verdict, and their timeouts/internal errors go to stderr).
  Rank > 0 also disables ``--junitxml`` so only rank 0 writes it.
* **Same Hypothesis examples on every rank**: without ``--hypothesis-seed``,
  rank 0 picks a seed and broadcasts it (shown in the header), because ranks
  drawing different examples would issue different collectives.

Plugin collectives use a private duplicate of COMM_WORLD so they never match
a collective of the code under test.
"""

from __future__ import annotations

import faulthandler
import hashlib
import os
import random
import sys
import threading
import time
import traceback

import pytest

#: Marker of the tests that also run at more ranks than cores (the runner's ``--wide-nprocs``).
WIDE_MARKER = "wide"
#: ``Abort`` status when a per-test timeout expires (as GNU ``timeout``).
TIMEOUT_EXIT_CODE = 124
#: ``Abort`` status when ranks are at different steps (pytest's INTERNAL_ERROR).
DESYNC_EXIT_CODE = 3
#: Longest failure text a rank sends to rank 0 (the tail is kept).
TEXT_LIMIT = 8000
#: Seconds a rank that only waits for the verdict gives the stuck ranks to
#: print their stack dumps before it aborts the job itself.
WAITER_GRACE = 3.0
#: Seconds a timed-out rank waits after its dump before aborting, so that
#: ranks whose timers fire at the same moment can print theirs too.
DUMP_GRACE = 1.0
#: Extra seconds before the GIL-free faulthandler backstop fires (see
#: :class:`_TimeoutHooks`).
BACKSTOP_MARGIN = 5.0

# The real stderr, duplicated at import: ``-p`` imports this module before
# pytest's fd capture redirects fd 2, and the timeout reports must get out.
try:
    _STDERR_FD = os.dup(2)
except OSError:  # pragma: no cover - no stderr at all
    _STDERR_FD = 2

# Outcomes in merge priority: the first one present on any rank wins.
_PRIORITY = ("failed", "xfailed", "skipped", "xpassed", "passed")
# pytest ExitCodes ordered from most to least severe, for agreeing on one;
# any other status (e.g. from pytest.exit(returncode=...)) beats them all.
_EXIT_SEVERITY = (3, 2, 4, 1, 5, 0)


class _State:
    """Per-process MPI context of the plugin (one instance, set in configure)."""

    def __init__(self, mpi):
        self.MPI = mpi
        self.world = mpi.COMM_WORLD
        self.rank = self.world.Get_rank()
        self.size = self.world.Get_size()
        # Dup so our allgathers can never match a collective of a test.
        self.comm = self.world.Dup()
        self.agreed = False  # set once sessionfinish agreed on an exit status
        self.waiting = None  # (nodeid, when, local summary) while in a verdict
        self.seed = None


_S: _State | None = None


# --------------------------------------------------------------------------
# aborting


def _write_stderr(text: str, rank: int | None = None) -> None:
    """Write *text* to the real stderr, each line prefixed with the rank."""
    if rank is not None:
        text = "".join(f"[rank {rank}] {ln}\n" for ln in text.splitlines())
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    try:
        os.write(_STDERR_FD, text.encode("utf-8", "replace"))
    except OSError:
        pass


def _abort(code: int, message: str | None = None) -> None:
    """Print *message* and end the whole MPI job with *code*; never returns."""
    if message:
        _write_stderr(message, _S.rank if _S else None)
    try:
        from mpi4py import MPI

        MPI.COMM_WORLD.Abort(code)
    finally:
        os._exit(code)


def _collective(tag, payload):
    """Allgather ``(tag, payload)``; abort the job if the ranks' tags differ."""
    gathered = _S.comm.allgather((tag, payload))
    tags = [t for t, _ in gathered]
    if any(t != tag for t in tags):
        if _S.rank != 0:
            time.sleep(2.0)  # let rank 0 print the explanation first
        where = "\n".join(f"  rank {r}: {t!r}" for r, t in enumerate(tags))
        _abort(
            DESYNC_EXIT_CODE,
            "numpy_dist: MPI ranks are at different steps of the pytest "
            "session (e.g. pytest.exit or a crash on some ranks); aborting "
            f"instead of hanging:\n{where}",
        )
    return [p for _, p in gathered]


# --------------------------------------------------------------------------
# session-level hooks


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_cmdline_main(config):
    """Abort the job if this rank leaves pytest abnormally before agreement.

    Normal MPI_Finalize would block forever if other ranks still wait in a
    collective, so a non-zero status that was not agreed by every rank (or an
    exception escaping pytest) ends the job like ``python -m mpi4py`` does.
    """
    try:
        status = yield
    except BaseException as exc:
        if _S is not None and _S.size > 1 and not _S.agreed:
            traceback.print_exc()
            _abort(1, f"numpy_dist: {type(exc).__name__} escaped pytest on this rank")
        raise
    if _S is not None and _S.size > 1 and not _S.agreed and status:
        _abort(
            int(status),
            f"numpy_dist: pytest ended on this rank with status {int(status)} "
            "before all ranks agreed on the outcome; aborting the MPI job",
        )
    return status


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Set up the MPI state, the Hypothesis seed and the timeout hooks."""
    global _S
    from mpi4py import MPI

    _S = _State(MPI)
    config.addinivalue_line(
        "markers",
        f"{WIDE_MARKER}: also run at the wide rank counts (5 and 8 by default; see numpy_dist.testing.runner)",
    )
    if _S.rank > 0 and hasattr(config.option, "xmlpath"):
        config.option.xmlpath = None  # only rank 0 writes --junitxml
    if _S.size > 1 and getattr(config.option, "hypothesis_seed", False) is None:
        seed = random.getrandbits(32) if _S.rank == 0 else None
        _S.seed = _S.comm.bcast(seed, root=0)
        config.option.hypothesis_seed = _S.seed
    if config.pluginmanager.hasplugin("timeout"):
        config.pluginmanager.register(_TimeoutHooks(config), "numpy_dist-timeout")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    """Silence rank > 0's terminal report (before the header is printed)."""
    if _S.rank > 0:
        tr = session.config.pluginmanager.get_plugin("terminalreporter")
        if tr is not None:
            from _pytest.config import create_terminal_writer

            # Private attribute: config.get_terminal_writer() returns tr._tw.
            tr._tw = create_terminal_writer(session.config, open(os.devnull, "w"))  # noqa: SIM115


def pytest_report_header(config):
    """Tell rank 0's reader how many ranks ran and with which MPI."""
    lib = _S.MPI.Get_library_version().splitlines()[0].strip()
    lines = [f"numpy_dist MPI: {_S.size} rank(s), {lib}; collective verdicts"]
    if _S.seed is not None:
        lines.append(f"numpy_dist MPI: hypothesis seed {_S.seed} (reproduce with --hypothesis-seed={_S.seed})")
    return lines


def pytest_collection_finish(session):
    """Stop every rank if the ranks collected different tests."""
    ids = [item.nodeid for item in session.items]
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    mine = (len(ids), digest, session.testsfailed)
    everyone = _collective(("collection",), mine)
    if all(x == mine for x in everyone):
        return
    all_ids = _collective(("collection-ids",), ids)
    lines = ["collected tests differ between MPI ranks:"]
    for r, (n, dig, nerr) in enumerate(everyone):
        lines.append(f"  rank {r}: {n} tests, {nerr} collection errors, sha256 {dig[:12]}")
    base = all_ids[0]
    for r, other in enumerate(all_ids[1:], start=1):
        extra, missing = set(other) - set(base), set(base) - set(other)
        for name, diff in (("only on rank %d" % r, extra), ("missing on rank %d" % r, missing)):
            for nodeid in sorted(diff)[:5]:
                lines.append(f"  {name}: {nodeid}")
        if not extra and not missing and other != base:
            i = next(i for i, (a, b) in enumerate(zip(base, other)) if a != b)
            lines.append(f"  order differs from rank 0 on rank {r} at index {i}: {other[i]}")
    if _S.rank > 0:
        _write_stderr("numpy_dist: collected tests differ between MPI ranks (details on rank 0)", _S.rank)
    pytest.exit("\n".join(lines), returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    """Agree on one exit status so that every rank exits with the same code."""
    if _S is None:
        return
    statuses = _collective(("sessionfinish",), int(session.exitstatus))
    agreed = min(statuses, key=lambda s: _EXIT_SEVERITY.index(s) if s in _EXIT_SEVERITY else -1)
    if len(set(statuses)) > 1 and _S.rank == 0:
        _write_stderr(f"numpy_dist: exit status per rank {statuses}; all ranks use {agreed}")
    session.exitstatus = agreed
    _S.agreed = True


def pytest_internalerror(excrepr, excinfo):
    """Rank > 0 prints internal errors itself: its terminal goes to /dev/null."""
    if _S is not None and _S.rank > 0:
        _write_stderr("INTERNALERROR " + str(excrepr), _S.rank)
        return True  # suppress pytest's unprefixed fallback copy
    return None


# --------------------------------------------------------------------------
# collective verdict


def _classify(rep) -> str:
    """Outcome of one report, telling xfail/xpass apart from skip/pass."""
    if rep.failed:
        return "failed"
    if hasattr(rep, "wasxfail"):
        return "xfailed" if rep.skipped else "xpassed"
    return rep.outcome


def _truncate(text: str, limit: int = TEXT_LIMIT) -> str:
    if len(text) <= limit:
        return text
    return f"[... {len(text) - limit} characters cut ...]\n" + text[-limit:]


def _render(longrepr) -> str:
    """*longrepr* as plain text, as pytest would print it (str() strips it)."""
    if not hasattr(longrepr, "toterminal"):
        return str(longrepr)
    import io

    from _pytest._io import TerminalWriter

    out = io.StringIO()
    tw = TerminalWriter(file=out)
    tw.hasmarkup = False
    longrepr.toterminal(tw)
    return out.getvalue().rstrip()


def _summarise(rep) -> dict:
    """The small picklable record a rank contributes to the verdict."""
    outcome = _classify(rep)
    info = {"outcome": outcome}
    if outcome == "failed":
        text = _render(rep.longrepr)
        for name, content in rep.sections:
            text += f"\n{'-' * 10} {name} {'-' * 10}\n{content}"
        crash = getattr(rep.longrepr, "reprcrash", None)
        msg = crash.message if crash is not None else text.strip().splitlines()[-1:]
        info.update(
            text=_truncate(text),
            crash=(str(crash.path), crash.lineno) if crash is not None else None,
            message=msg if isinstance(msg, str) else "".join(msg),
        )
    elif outcome == "skipped" and isinstance(rep.longrepr, tuple):
        info["skip"] = tuple(rep.longrepr)
    if hasattr(rep, "wasxfail"):
        info["wasxfail"] = rep.wasxfail
    return info


def merge_outcomes(outcomes) -> str:
    """Collective outcome from the per-rank ones (see the module docstring)."""
    return next(o for o in _PRIORITY if o in outcomes or o == "passed")


def _ranks(ranks, size) -> str:
    return f"rank{'s' if len(ranks) > 1 else ''} {','.join(map(str, ranks))} of {size}"


class _Crash:
    """Duck-typed ``reprcrash`` (pytest's summary line and junitxml use it)."""

    def __init__(self, path, lineno, message):
        self.path, self.lineno, self.message = path, lineno, message


class MPIFailureRepr:
    """``longrepr`` of a collectively failed report.

    Shows this rank's own failure (if any) first, then the other failing ranks'
    text as sent by them.
    """

    def __init__(self, own, infos, rank, when):
        self.own = own
        self.infos = infos
        self.rank = rank
        self.when = when
        failed = [r for r, i in enumerate(infos) if i["outcome"] == "failed"]
        self.failed = failed
        first = infos[rank] if rank in failed else infos[failed[0]]
        where = "all ranks" if len(failed) == len(infos) else _ranks(failed, len(infos))
        path, lineno = first.get("crash") or ("", None)
        self.reprcrash = _Crash(path, lineno, f"[{where}] {first.get('message', '')}")

    def toterminal(self, tw) -> None:
        if self.own is not None:
            if hasattr(self.own, "toterminal"):
                self.own.toterminal(tw)
            else:
                tw.line(str(self.own))
        status = ", ".join(f"{r}: {i['outcome']}" for r, i in enumerate(self.infos))
        tw.sep("-", f"MPI: {self.when} failed on {_ranks(self.failed, len(self.infos))} ({status})")
        # Group ranks with identical text: a bug usually fails the same way
        # everywhere, and one copy per rank would bury the report.
        groups: dict[str, list[int]] = {}
        for r in self.failed:
            groups.setdefault(self.infos[r]["text"], []).append(r)
        for text, ranks in groups.items():
            shown = [r for r in ranks if r != self.rank]
            if not shown:
                continue
            if self.rank in ranks:
                tw.line(f"{_ranks(shown, len(self.infos))}: same failure text as rank {self.rank}")
                continue
            tw.sep("-", f"MPI {_ranks(shown, len(self.infos))}: {self.when} failure")
            tw.line(text)

    def __str__(self) -> str:
        return _render(self)


def _apply(rep, infos, rank) -> None:
    """Turn this rank's report *rep* into the collective verdict, in place."""
    if len(infos) == 1:
        return  # one rank: leave pytest's report untouched
    local = infos[rank]["outcome"]
    merged = merge_outcomes([i["outcome"] for i in infos])
    if merged == "failed":
        own = rep.longrepr if local == "failed" else None
        rep.outcome = "failed"
        if hasattr(rep, "wasxfail"):
            del rep.wasxfail
        rep.longrepr = MPIFailureRepr(own, infos, rank, rep.when)
        return
    if merged == local and all(i["outcome"] == merged for i in infos):
        return
    holders = [r for r, i in enumerate(infos) if i["outcome"] == merged]
    src = infos[holders[0]]
    if merged == "skipped":
        path, lineno, reason = src.get("skip") or (str(rep.location[0]), rep.location[1], "Skipped")
        rep.outcome = "skipped"
        rep.longrepr = (path, lineno, f"{reason} [skipped on {_ranks(holders, len(infos))}]")
        if hasattr(rep, "wasxfail"):
            del rep.wasxfail
    elif merged == "xfailed":
        rep.outcome = "skipped"
        rep.wasxfail = f"{src.get('wasxfail', '')} [xfailed on {_ranks(holders, len(infos))}]".strip()
        if local != "xfailed":
            rep.longrepr = None
    elif merged == "xpassed":
        rep.outcome = "passed"
        rep.wasxfail = src.get("wasxfail", "")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """pytest records each test's warnings: that is the test's own delivery, as stderr is a script's.

    So numpy_dist's deferred values may still be deferred inside a test, and only a
    ``pytest.warns``/``catch_warnings`` block inside it makes their calls eager.
    """
    deferred = sys.modules.get("numpy_dist._deferred")
    if deferred is not None:
        deferred.set_warning_baseline()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Outermost wrapper: merge this phase's outcome with the other ranks'."""
    try:
        rep = yield
    except BaseException:
        # Still take part in the collective so other ranks are not left hanging.
        _S.waiting = (item.nodeid, call.when, {"outcome": "failed"})
        _collective(("report", item.nodeid, call.when), {
            "outcome": "failed", "text": traceback.format_exc(), "message": "error in makereport",
        })
        _S.waiting = None
        raise
    info = _summarise(rep)
    _S.waiting = (item.nodeid, call.when, info)
    try:
        infos = _collective(("report", item.nodeid, call.when), info)
    finally:
        _S.waiting = None
    _apply(rep, infos, _S.rank)
    return rep


# --------------------------------------------------------------------------
# per-test timeout


class _TimeoutHooks:
    """Timer for pytest-timeout that reports per rank and aborts the job.

    pytest-timeout's own thread method writes its stack dump to the terminal
    writer (/dev/null on rank > 0) and calls ``os._exit``; its signal method
    cannot interrupt a rank blocked inside an MPI call.  So with several ranks
    both methods use this timer; on one rank "signal" is left to pytest-timeout.

    One long-lived watchdog thread serves all tests: starting a
    ``threading.Timer`` per test cost milliseconds per test on oversubscribed
    ranks.  A Python thread needs the GIL, and some blocking mpi4py calls hold
    it (lowercase ``allreduce``/``reduce``/``scan``, whose op runs in Python),
    so ``faulthandler.dump_traceback_later(exit=True)`` -- a C thread -- is a
    backstop a little later; hydra tears the job down when it ``_exit``s.
    """

    def __init__(self, config):
        ini = config.getini("faulthandler_timeout") if _has_ini(config, "faulthandler_timeout") else 0
        # pytest's faulthandler plugin shares the one faulthandler timer.
        self.backstop = not float(ini or 0)
        self.backstop_until = 0.0  # monotonic time the backstop fires; 0: off
        self.backstop_item = None  # test that last (re)armed it
        self.watchdog = _Watchdog()
        self.watchdog.start()

    @pytest.hookimpl(tryfirst=True)
    def pytest_timeout_set_timer(self, item, settings):
        if settings.method == "signal" and _S.size == 1:
            return None
        self.watchdog.arm(item, settings)
        if self.backstop:
            self._arm_backstop(settings.timeout)
            self.backstop_item = item
        item.cancel_timeout = self.watchdog.disarm  # pytest-timeout's cancel hook calls it
        return True

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_protocol(self, item):
        # Inside pytest-timeout's wrapper, so set_timer has run if this test
        # has a (whole-protocol) timeout.  Otherwise (timeout 0 marker,
        # func_only) the backstop armed for an earlier test must not fire.
        if self.backstop_until and self.backstop_item is not item:
            self._cancel_backstop()
        return (yield)

    def _cancel_backstop(self):
        faulthandler.cancel_dump_traceback_later()
        self.backstop_until = 0.0
        self.backstop_item = None

    def _arm_backstop(self, timeout):
        """Keep the faulthandler deadline between timeout+margin and 1.25 times that.

        Re-arming starts a C thread, so it is done only when the deadline
        would come too soon for this test, not for every test.  The deadline
        is staggered by rank so that one dump is printed whole (faulthandler
        writes in small pieces; hydra kills the rest after the first _exit).
        """
        least = timeout + WAITER_GRACE + DUMP_GRACE + BACKSTOP_MARGIN + _S.rank
        now = time.monotonic()
        if self.backstop_until - now < least:
            faulthandler.dump_traceback_later(1.25 * least, exit=True, file=_STDERR_FD)
            self.backstop_until = now + 1.25 * least

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self):
        if self.backstop:
            self._cancel_backstop()


class _Watchdog(threading.Thread):
    """Calls :func:`_on_timeout` when the armed test overruns its deadline."""

    def __init__(self):
        super().__init__(name="numpy_dist timeout watchdog", daemon=True)
        self.cond = threading.Condition()
        self.job = None  # (deadline, item, settings) of the running test
        self.wakeup = None  # deadline the thread sleeps towards; None: forever

    def arm(self, item, settings):
        with self.cond:
            self.job = (time.monotonic() + settings.timeout, item, settings)
            # Waking the thread costs a GIL hand-off per test; it is needed
            # only if it would otherwise sleep past the new deadline.
            if self.wakeup is None or self.wakeup > self.job[0]:
                self.cond.notify()

    def disarm(self):
        with self.cond:
            self.job = None  # the thread notices at its next wakeup

    def run(self):
        while True:
            with self.cond:
                job = self.job
                now = time.monotonic()
                if job is None or job[0] > now:
                    self.wakeup = None if job is None else job[0]
                    self.cond.wait(None if job is None else job[0] - now)
                    continue
                self.job = None
            _on_timeout(job[1], job[2])  # aborts, unless a debugger is active


def _has_ini(config, name) -> bool:
    try:
        config.getini(name)
    except ValueError:
        return False
    return True


def _user_frames(frame):
    """Stack of *frame* without pytest/pluggy/runpy frames (like pytest's --tb)."""
    stack = traceback.extract_stack(frame)
    hidden = ("_pytest", "pluggy", "pytest", "runpy")
    kept = [
        fs for fs in stack
        if not fs.filename.startswith("<frozen")
        and not any(f"{os.sep}{h}{os.sep}" in fs.filename for h in hidden)
        and fs.filename != __file__
    ]
    return kept or stack


def _on_timeout(item, settings) -> None:
    """Timer callback: explain, dump stacks, then abort the whole job."""
    import pytest_timeout

    if not settings.disable_debugger_detection and pytest_timeout.is_debugging():
        return
    out = err = ""
    capman = item.config.pluginmanager.getplugin("capturemanager")
    try:
        if capman:  # restore the real fd 1/2 and fetch what the test printed
            capman.suspend_global_capture(item)
            out, err = capman.read_global_capture()
    except Exception:
        pass
    head = (
        f"{'+' * 20} Timeout {'+' * 20}\n"
        f"numpy_dist: per-test timeout ({settings.timeout:g}s) expired on rank "
        f"{_S.rank} of {_S.size} in {item.nodeid}\n"
    )
    waiting = _S.waiting
    if waiting is not None and waiting[0] == item.nodeid:
        _, when, info = waiting
        text = head + (
            f"This rank finished the {when} phase ({info['outcome']}) and waits for "
            "the other ranks' verdict: some other rank is stuck (look for its stack "
            "dump; a rank that failed early may have skipped a collective the "
            "others are blocked in).\n"
        )
        if info["outcome"] == "failed":
            text += f"This rank's {when} failure:\n{info.get('text', '')}\n"
        _write_stderr(text, _S.rank)
        time.sleep(WAITER_GRACE)
        _abort(TIMEOUT_EXIT_CODE)
    text = head
    for name, content in (("Captured stdout", out), ("Captured stderr", err)):
        if content:
            text += f"{'~' * 10} {name} {'~' * 10}\n{content}\n"
    me = threading.get_ident()
    names = {t.ident: t.name for t in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        if ident != me:
            text += f"{'~' * 10} Stack of {names.get(ident, '<unknown>')} ({ident}) {'~' * 10}\n"
            text += "".join(traceback.format_list(_user_frames(frame)))
    text += f"{'+' * 20} Timeout {'+' * 20}\n"
    _write_stderr(text, _S.rank)
    time.sleep(DUMP_GRACE)
    _abort(TIMEOUT_EXIT_CODE)
