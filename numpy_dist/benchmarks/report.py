"""Rank 0's output: the results table, the target verdicts and the JSON file.

Nothing here asserts on speed: missed targets are printed as ``missed``, and the exit status
does not depend on them (this is a benchmark, not a test).  A workload whose distributed result
differs from NumPy's is ``wrong`` in every target it touches, never ``met``, and makes the run
exit non-zero; so does a wrong expert result (a bug in the yardstick, :mod:`.expert`).  The
targets concern numpy_dist only: the expert column is a comparison, ``exp/dist`` the speedup
of numpy_dist over the hand-written mpi4py code.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Any

from .memory import mib
from .runner import MEMORY_FACTOR, MEMORY_OVERHEAD, Column, RowResult
from .stream import StreamResult

# Thresholds from the benchmark issue.
ONE_RANK_RATIO = 1.10          # 1 rank: numpy_dist time <= 1.10 x NumPy for W1-W4
TWO_RANK_W1_SPEEDUP = 1.8      # 2 ranks: W1 at least 1.8x faster than NumPy
TWO_RANK_STREAM_FRACTION = 0.8  # 2 ranks: W2/W2b/W3/W4 at >= 80% of concurrent STREAM
W7_MAX_US = 15.0               # 1 rank: <= 15 us per a + b
OVERHEAD_WORKLOADS = ("W1", "W2", "W2b", "W3", "W4")
BANDWIDTH_WORKLOADS = ("W2", "W2b", "W3", "W4")


@dataclass
class Verdict:
    """One target: ``status`` is met, missed, wrong (the result differs from NumPy's) or n/a (not run here)."""

    target: str
    status: str
    detail: str


def _gbs(row: RowResult, seconds: float | None) -> float | None:
    if row.traffic_bytes is None or not seconds:
        return None
    return row.traffic_bytes / seconds / 1e9


def _fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def _columns(row: RowResult) -> list[Column]:
    """The row's measured columns in table order: NumPy, numpy_dist, then expert if run."""
    return [c for c in (row.numpy, row.dist, row.expert) if c is not None]


def _note(row: RowResult) -> str:
    parts = list(row.notes)
    names = "NP vs dist" + (" vs expert" if row.expert else "")
    if row.per_op and row.numpy:
        us = " vs ".join(f"{c.median / row.per_op * 1e6:.2f}" for c in _columns(row))
        parts.append(f"{us} us/op ({names})")
    if row.flops and row.numpy:
        rates = " vs ".join(f"{row.flops / c.median / 1e9:.1f}" for c in _columns(row))
        parts.append(f"{rates} GFLOP/s ({names})")
    if row.inner > 1:
        parts.append(f"{row.inner} calls per timing")
    if row.correct is False:
        parts.append("RESULT DIFFERS FROM NUMPY")
    if row.expert_correct is False:
        parts.append("EXPERT RESULT DIFFERS FROM NUMPY")
    return "; ".join(parts)


def expert_speedup(row: RowResult) -> float | None:
    """numpy_dist's speedup over the expert code: expert time / numpy_dist time (> 1: numpy_dist faster)."""
    return row.expert.median / row.dist.median if row.expert and row.dist.median else None


def _peak_local(col: Column | None) -> str:
    return "-" if col is None else f"{mib(col.peak_bytes):.0f}/{mib(col.local_bytes):.0f}"


def format_table(rows: list[RowResult], s1: StreamResult, sp: StreamResult, nprocs: int) -> str:
    """The results table (rank 0)."""
    head = (f"{'workload':<34} {'NumPy s':>9} {'dist s':>9} {'dist/NP':>8} {'speedup':>8} "
            f"{'expert s':>9} {'exp/dist':>8} {'ideal s':>8} "
            f"{'NP GB/s':>8} {'%S1':>5} {'dist GB/s':>9} {f'%S{nprocs}':>5} "
            f"{'NP peak/data MiB':>17} {'dist peak/local MiB':>20} {'mem':>4} {'exp peak/local MiB':>19}  note")
    lines = [head, "-" * len(head)]
    for r in rows:
        if r.numpy is None:  # only rank 0 holds the NumPy column
            continue
        np_s, d_s = r.numpy.median, r.dist.median
        np_g, d_g = _gbs(r, np_s), _gbs(r, d_s)
        name = f"{r.key} {r.title}" + (" [fallback]" if r.fallback else "")
        lines.append(
            f"{name[:34]:<34} {np_s:>9.4f} {d_s:>9.4f} {d_s / np_s:>8.2f} {np_s / d_s:>8.2f} "
            f"{_fmt(r.expert and r.expert.median, '9.4f'):>9} {_fmt(expert_speedup(r), '8.2f'):>8} "
            f"{_fmt(r.ideal, '8.4f'):>8} "
            f"{_fmt(np_g, '8.2f'):>8} {_fmt(np_g and 100 * np_g / s1.reference, '5.0f'):>5} "
            f"{_fmt(d_g, '9.2f'):>9} {_fmt(d_g and 100 * d_g / sp.reference, '5.0f'):>5} "
            f"{f'{mib(r.numpy.peak_bytes):.0f}/{mib(r.numpy.local_bytes):.0f}':>17} "
            f"{f'{mib(r.dist.peak_bytes):.0f}/{mib(r.dist.local_bytes):.0f}':>20} "
            f"{'ok' if r.dist.memory_ok else 'HIGH':>4} {_peak_local(r.expert):>19}  {_note(r)}"
        )
    return "\n".join(lines)


def evaluate_targets(rows: list[RowResult], sp: StreamResult, nprocs: int) -> list[Verdict]:
    """The issue's targets, each met / missed / n/a at this rank count."""
    by_key = {r.key: r for r in rows}
    out: list[Verdict] = []

    def status(ok: bool, row: RowResult) -> str:
        # A target is never met by a wrong answer, however fast.
        if row.correct is False:
            return "wrong"
        return "met" if ok else "missed"

    for key in OVERHEAD_WORKLOADS:
        t = f"1 rank: {key} within {ONE_RANK_RATIO:.2f}x of NumPy"
        r = by_key.get(key)
        if r is None or nprocs != 1:
            out.append(Verdict(t, "n/a", "not run" if r is None else f"run at {nprocs} ranks"))
        else:
            ratio = r.dist.median / r.numpy.median
            out.append(Verdict(t, status(ratio <= ONE_RANK_RATIO, r), f"{ratio:.2f}x"))

    t = f"2 ranks: W1 at least {TWO_RANK_W1_SPEEDUP}x faster than NumPy"
    r = by_key.get("W1")
    if r is None or nprocs != 2:
        out.append(Verdict(t, "n/a", "not run" if r is None else f"run at {nprocs} ranks"))
    else:
        sp_w1 = r.numpy.median / r.dist.median
        out.append(Verdict(t, status(sp_w1 >= TWO_RANK_W1_SPEEDUP, r), f"{sp_w1:.2f}x"))

    for key in BANDWIDTH_WORKLOADS:
        t = f"2 ranks: {key} at >= {TWO_RANK_STREAM_FRACTION:.0%} of 2-process STREAM"
        r = by_key.get(key)
        if r is None or nprocs != 2:
            out.append(Verdict(t, "n/a", "not run" if r is None else f"run at {nprocs} ranks"))
        else:
            g = _gbs(r, r.dist.median) or 0.0
            out.append(Verdict(t, status(g >= TWO_RANK_STREAM_FRACTION * sp.reference, r),
                               f"{g:.2f} GB/s = {100 * g / sp.reference:.0f}% of {sp.reference:.2f} GB/s"))

    t = f"1 rank: W7 <= {W7_MAX_US:g} us per a + b"
    r = by_key.get("W7")
    if r is None or nprocs != 1:
        out.append(Verdict(t, "n/a", "not run" if r is None else f"run at {nprocs} ranks"))
    else:
        us = r.dist.median / (r.per_op or 1) * 1e6
        out.append(Verdict(t, status(us <= W7_MAX_US, r), f"{us:.2f} us/op"))

    for r in rows:
        t = f"{nprocs} rank(s): {r.key} peak memory/rank <= {MEMORY_FACTOR}x local + {mib(MEMORY_OVERHEAD):.0f} MiB"
        limit = MEMORY_FACTOR * r.dist.local_bytes + MEMORY_OVERHEAD
        np_ratio = r.numpy.peak_bytes / r.numpy.local_bytes if r.numpy.local_bytes else 0.0
        out.append(Verdict(t, status(r.dist.memory_ok, r),
                           f"peak {mib(r.dist.peak_bytes):.0f} MiB, limit {mib(limit):.0f} MiB "
                           f"(NumPy alone peaks at {np_ratio:.1f}x its data)"))
    return out


def format_verdicts(verdicts: list[Verdict]) -> str:
    width = max(len(v.target) for v in verdicts)
    return "\n".join(f"  [{v.status:>6}] {v.target:<{width}}  {v.detail}" for v in verdicts)


def write_json(path: str, meta: dict[str, Any], s1: StreamResult, sp: StreamResult, rows: list[RowResult],
               verdicts: list[Verdict]) -> None:
    """The machine-readable record of the run (rank 0)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    doc = {
        "meta": meta,
        "stream": {"single_process": s1.to_dict(), "all_ranks": sp.to_dict()},
        "workloads": [
            {**asdict(r),
             "numpy_gbs": _gbs(r, r.numpy.median) if r.numpy else None,
             "dist_gbs": _gbs(r, r.dist.median),
             "expert_gbs": _gbs(r, r.expert.median) if r.expert else None,
             "ratio_dist_over_numpy": r.dist.median / r.numpy.median if r.numpy else None,
             "speedup_dist_over_expert": expert_speedup(r)}
            for r in rows
        ],
        "targets": [asdict(v) for v in verdicts],
    }
    with open(path, "w") as fh:
        json.dump(doc, fh, indent=2)
