"""Every environment setting numpy_dist reads, in one table, read once at import.

Layer 0: imports nothing of numpy_dist.  Each setting has a runtime
counterpart (``nd.set_checks``, ``nd.set_timeout`` ...) where one exists; the
environment only gives the initial value, so a job can be configured from
``mpiexec -genv`` without touching the program.  The README's table of
settings is this table.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

__all__ = ["Setting", "SETTINGS", "CHECK", "TIMEOUT", "ABORT_ON_ERROR", "ELIDE", "LAZY"]


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default text and what it controls."""

    name: str
    default: str
    meaning: str

    def raw(self) -> str:
        return os.environ.get(self.name, self.default).strip()

    def flag(self) -> bool:
        """Off for ``0``/``false``/``no``/``off`` and the empty string; on otherwise."""
        return self.raw().lower() not in ("", "0", "false", "no", "off")

    def seconds(self) -> float:
        """A non-negative number of seconds (0: off); a bad value is reported and ignored."""
        text = self.raw()
        try:
            return max(float(text), 0.0) if text else 0.0
        except ValueError:
            sys.stderr.write(f"numpy_dist: ignoring {self.name}={text!r} (not a number)\n")
            return 0.0


SETTINGS: tuple[Setting, ...] = (
    Setting("NUMPY_DIST_CHECK", "0",
            "checked mode: ranks compare each public collective's signature before its first message "
            "(runtime: nd.set_checks)"),
    Setting("NUMPY_DIST_TIMEOUT", "",
            "watchdog: seconds a rank may block in one collective before the job is aborted with a report "
            "(runtime: nd.set_timeout)"),
    Setting("NUMPY_DIST_ABORT_ON_ERROR", "1",
            "an uncaught exception on one rank aborts the whole MPI job (0: leave sys.excepthook alone)"),
    Setting("NUMPY_DIST_ELIDE", "1",
            "operators reuse a temporary operand's block in place, as NumPy does for ndarrays (0: off)"),
    Setting("NUMPY_DIST_LAZY", "1",
            "aligned elementwise ufuncs and operators are deferred and evaluated fused, in cache-sized chunks, "
            "when a value is needed (0: each call is computed at once)"),
)

_BY_NAME = {s.name: s for s in SETTINGS}

#: Initial values, parsed once.
CHECK: bool = _BY_NAME["NUMPY_DIST_CHECK"].flag()
TIMEOUT: float = _BY_NAME["NUMPY_DIST_TIMEOUT"].seconds()
ABORT_ON_ERROR: bool = _BY_NAME["NUMPY_DIST_ABORT_ON_ERROR"].flag()
ELIDE: bool = _BY_NAME["NUMPY_DIST_ELIDE"].flag()
LAZY: bool = _BY_NAME["NUMPY_DIST_LAZY"].flag()
