"""Per-process resident-memory probes (Linux ``/proc``), for spotting hidden gathers.

The high-water mark ``VmHWM`` is reset by writing ``5`` to ``/proc/self/clear_refs`` (Linux
>= 4.0), so each workload gets its own peak.  Where that is not permitted a sampling thread
records the largest ``VmRSS`` seen instead (it can miss a short spike; the report names the
method used).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
import time
from types import TracebackType

_MIB = 1024 * 1024


def _status_kib(field: str) -> int:
    """One ``kB`` field of ``/proc/self/status`` (``VmRSS``, ``VmHWM``) in KiB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _load_libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


_LIBC = _load_libc()


# glibc mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: The allocator state glibc drifts into by itself after the first large free: blocks below
#: 32 MiB come from the heap and are reused, larger ones are mapped and unmapped.
MMAP_THRESHOLD = 32 * 1024 * 1024


def steady_allocator() -> bool:
    """Fix glibc's mmap/trim thresholds at their dynamic maximum, for both columns alike.

    Left dynamic, the threshold depends on which arrays the process freed
    before, so the same kernel costs up to 2x more (page faults on fresh
    mappings) depending on the workloads that ran earlier.  Returns False
    where ``mallopt`` is unavailable (then timings carry that noise).
    """
    if _LIBC is None or not hasattr(_LIBC, "mallopt"):
        return False
    return bool(_LIBC.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        _LIBC.mallopt(_M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD))


def settle() -> int:
    """Collect garbage, hand free heap pages back to the OS, and return the RSS (bytes).

    Without ``malloc_trim`` glibc keeps freed arrays below its mmap threshold (which grows to
    32 MiB after large frees) in the heap, so a baseline taken after the previous workload
    would already contain this workload's temporaries and hide them.
    """
    gc.collect()
    if _LIBC is not None and hasattr(_LIBC, "malloc_trim"):
        _LIBC.malloc_trim(0)
    return rss_bytes()


def rss_bytes() -> int:
    """Current resident set size in bytes."""
    return _status_kib("VmRSS") * 1024


def _reset_hwm() -> bool:
    """Reset the kernel's resident high-water mark to the current RSS; False if not permitted."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


class PeakMemory:
    """Context manager measuring the peak RSS of a block, relative to a baseline.

    ``peak_bytes`` is the highest RSS inside the block minus ``baseline`` (the RSS measured
    before the workload's data was created), so it counts the inputs plus every temporary
    and any gathered copy, but not the interpreter and libraries.
    """

    def __init__(self, baseline: int) -> None:
        self.baseline = baseline
        self.peak_bytes = 0
        self.method = "VmHWM"
        self._stop = threading.Event()
        self._sampled = 0
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._sampled = max(self._sampled, rss_bytes())
            time.sleep(0.001)

    def __enter__(self) -> PeakMemory:
        if not _reset_hwm():
            self.method = "sampled VmRSS"
            self._sampled = rss_bytes()
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            peak = max(self._sampled, rss_bytes())
        else:
            peak = _status_kib("VmHWM") * 1024
        self.peak_bytes = max(0, peak - self.baseline)


def mib(nbytes: float) -> float:
    """Bytes to MiB (for display)."""
    return nbytes / _MIB
