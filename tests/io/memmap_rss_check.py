"""Reduce a file-mapped ``.npy`` larger than a rank's memory budget and measure each rank's peak RSS.

    mpiexec -n 2 python -m tests.io.memmap_rss_check --gib 4 --bound-mib 256

The file (float64 ``i % 7``, so sums are exact) is written with plain file writes, never through a
mapping, into a temporary directory and deleted afterwards.  Each rank resets its peak resident
size (``/proc/self/clear_refs``), maps its part with ``nd.load(mmap_mode="r")``, computes
``np.sum`` and ``np.max``, and reads ``VmHWM``: the peak during the reductions, reported absolute
and as growth over the resident size before them.  Then ``2 * d + 1`` goes into a second mapped
file (``open_memmap``, then ``np.multiply(d, 2, out=out)`` and ``np.add(out, 1, out=out)``) and is
summed, with its own peak.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile

import numpy as np

import numpy_dist as nd

_CHUNK = 8 << 20


def _status_kib(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as f:  # "5": reset VmHWM to the current RSS (Linux >= 4.0)
        f.write("5")


def _write_file(path: str, n: int, comm) -> None:
    """A ``.npy`` of ``n`` float64 ``i % 7``: rank 0 writes the header, each rank its share, chunk by chunk."""
    header = None
    if comm.Get_rank() == 0:
        made = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(n,))  # sparse, untouched
        header = made.offset
        del made
    header = comm.bcast(header)
    rank, size = comm.Get_rank(), comm.Get_size()
    lo, hi = n * rank // size, n * (rank + 1) // size
    step = _CHUNK // 8
    fd = os.open(path, os.O_WRONLY)
    try:
        for start in range(lo, hi, step):
            stop = min(start + step, hi)
            os.pwrite(fd, (np.arange(start, stop) % 7).astype(np.float64).tobytes(), header + 8 * start)
        os.fsync(fd)
    finally:
        os.close(fd)
    comm.Barrier()


def _expected_sum(n: int) -> float:
    full, rest = divmod(n, 7)
    return float(full * 21 + sum(range(rest)))


def measure(nbytes: int, directory: str | None = None) -> dict:
    """Write, map and reduce a file of ``nbytes``; per-rank peak figures in MiB (collective)."""
    comm = nd.get_comm()
    tmp = comm.bcast(tempfile.mkdtemp(prefix="nd_mmap_", dir=directory) if comm.Get_rank() == 0 else None)
    path = os.path.join(tmp, "big.npy")
    n = nbytes // 8
    try:
        _write_file(path, n, comm)
        before = _status_kib("VmRSS")
        _reset_peak()
        d = nd.load(path, mmap_mode="r")
        total, largest = float(np.sum(d)), float(np.max(d))
        peak_reduce = _status_kib("VmHWM")
        # Elementwise, as NumPy code writes it: a mapped input into a mapped output (the ufuncs run chunk by
        # chunk on mapped blocks).
        _reset_peak()
        out = nd.open_memmap(os.path.join(tmp, "out.npy"), d.shape, d.dtype, dist=d.distribution)
        np.multiply(d, 2, out=out)
        np.add(out, 1, out=out)
        nd.io.memmap.flush(out)
        doubled = float(np.sum(out))
        peak_elementwise = _status_kib("VmHWM")
        del d, out
        ok = total == _expected_sum(n) and largest == 6.0 and doubled == 2 * total + n
    finally:
        comm.Barrier()
        if comm.Get_rank() == 0:
            shutil.rmtree(tmp, ignore_errors=True)
    peak = max(peak_reduce, peak_elementwise)
    mine = {"rank": comm.Get_rank(), "peak_mib": peak / 1024, "growth_mib": (peak - before) / 1024,
            "before_mib": before / 1024, "reduce_peak_mib": peak_reduce / 1024,
            "elementwise_peak_mib": peak_elementwise / 1024, "correct": ok}
    return {"file_mib": nbytes / 2**20, "ranks": comm.allgather(mine)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gib", type=float, default=4.0, help="file size in GiB")
    parser.add_argument("--bound-mib", type=float, default=256.0, help="peak RSS bound per rank")
    parser.add_argument("--dir", default=None, help="directory for the temporary file (default: $TMPDIR)")
    args = parser.parse_args()
    result = measure(int(args.gib * 2**30), args.dir)
    for r in result["ranks"]:
        nd.print0(f"rank {r['rank']}: file {result['file_mib']:.0f} MiB, peak RSS {r['peak_mib']:.1f} MiB "
                  f"(before {r['before_mib']:.1f}, growth {r['growth_mib']:.1f}; reductions {r['reduce_peak_mib']:.1f}, "
                  f"elementwise phase "
                  f"{r['elementwise_peak_mib']:.1f}), correct={r['correct']}")
    bad = [r for r in result["ranks"] if r["peak_mib"] >= args.bound_mib or not r["correct"]]
    nd.print0("PASS" if not bad else f"FAIL: {bad}")
    raise SystemExit(1 if bad else 0)


if __name__ == "__main__":
    main()
