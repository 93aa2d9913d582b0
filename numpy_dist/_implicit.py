"""Implicit whole-array conversions (``np.asarray(d)``, ``d.tolist()``, iteration).

A library that calls ``np.asarray`` on a DistArray gets the whole array on
every rank: at cluster scale that is an out-of-memory crash with no hint why.
Such conversions follow the same policy as the dispatch fallback
(:func:`numpy_dist.set_fallback`): ``"warn"`` (default) emits one
:class:`numpy_dist.FallbackWarning` per call site saying what moved where,
``"error"`` raises :class:`numpy_dist.FallbackError` on every rank before any
message, ``"allow"`` is silent.  The explicit ways, :func:`numpy_dist.asnumpy`
and :func:`numpy_dist.gather`, stay silent.

The verdict depends only on global metadata, the policy and the call site,
which every rank of an SPMD program shares, so every rank takes the same branch.

The policy itself (:func:`set_fallback`, :class:`FallbackWarning`,
:class:`FallbackError`) lives here, in the transport layer, so that the array
can apply it; the dispatch registry re-exports it for the fallback path.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

from . import comm as _comm

__all__ = ["implicit_gather", "set_fallback", "get_fallback", "FallbackWarning", "FallbackError"]

_FALLBACK_MODES = ("warn", "error", "allow")
_fallback_mode = "warn"


class FallbackWarning(UserWarning):
    """A NumPy function ran through the gather-compute-redistribute fallback.

    Emitted once per function in the ``"warn"`` mode of :func:`set_fallback`.

    Examples
    --------
    >>> import warnings, numpy_dist as nd
    >>> issubclass(nd.FallbackWarning, UserWarning)
    True
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", nd.FallbackWarning)  # silence it in a block
    """


class FallbackError(TypeError):
    """Raised instead of falling back when ``set_fallback("error")`` is in force.

    A TypeError, as for an argument the function does not accept; raised on
    every rank before any communication.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> issubclass(nd.FallbackError, TypeError)
    True
    """


def set_fallback(mode: str) -> str:
    """Choose what happens when a NumPy function has no distributed implementation.

    Implicit conversions (``np.asarray(d)``) follow the same mode.

    Parameters
    ----------
    mode : {'warn', 'allow', 'error'}
        ``"warn"`` (default): gather, compute with NumPy, redistribute, and emit
        :class:`FallbackWarning` once per function; ``"allow"``: the same
        silently; ``"error"``: raise :class:`FallbackError` before any
        communication.  Set it identically on every rank.

    Returns
    -------
    str
        The previous mode.

    Raises
    ------
    ValueError
        If ``mode`` is not one of the three.

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> old = nd.set_fallback("error")
    >>> nd.get_fallback()
    'error'
    >>> _ = nd.set_fallback(old)
    """
    global _fallback_mode
    if mode not in _FALLBACK_MODES:
        raise ValueError(f"mode must be one of {_FALLBACK_MODES}, got {mode!r}")
    old, _fallback_mode = _fallback_mode, mode
    return old


def get_fallback() -> str:
    """The fallback mode in force (see :func:`set_fallback`).

    Returns
    -------
    str
        ``"warn"``, ``"error"`` or ``"allow"``.

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> nd.get_fallback() in ("warn", "error", "allow")
    True
    """
    return _fallback_mode

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_warned_sites: set[tuple[str, int]] = set()
#: Iterating over an array up to this many bytes (labels, a few rows) is not reported.
SMALL_ITERATION_BYTES = 1 << 16
# Path fragments of installed libraries and of the standard library.
_LIBRARY_PARTS = tuple({os.sep + "site-packages" + os.sep, os.sep + "dist-packages" + os.sep,
                        os.path.dirname(os.__file__) + os.sep})


def _format_bytes(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"  # pragma: no cover


def _is_library(filename: str) -> bool:
    """Installed third-party or standard-library code (pandas, xarray ...), not the user's program."""
    return any(part in filename for part in _LIBRARY_PARTS)


def _call_site() -> tuple[tuple[str, int], int, str]:
    """Where the user's program asked for the conversion.

    Returns the (file, line) of the first frame outside numpy_dist and outside
    installed libraries (so ``pd.Series(d)`` is reported at the user's line,
    not inside pandas), the ``stacklevel`` that names it, and the module of
    the library that converted (empty when the user called NumPy directly).
    """
    frame = sys._getframe(2)  # the caller of implicit_gather's caller
    level = 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    library = ""
    first_outside = (frame, level)
    while frame is not None and _is_library(frame.f_code.co_filename):
        library = library or frame.f_globals.get("__name__", "")
        frame, level = frame.f_back, level + 1
    if frame is None:  # only library frames (e.g. an interactive shell): name the first one
        frame, level = first_outside
        library = ""
    if frame is None:
        return ("?", 0), 2, ""
    return (frame.f_code.co_filename, frame.f_lineno), level, library


def _masked_hint(library: str | None = None) -> str:
    """A pointer to nd.ma when numpy.ma is the converter (its functions cannot dispatch to DistArrays)."""
    if library is None:
        library = _call_site()[2]
    if not library.startswith("numpy.ma"):
        return ""
    return ("; numpy.ma functions cannot stay distributed: nd.ma has the same functions on masked DistArrays "
            "(nd.ma.masked_invalid(d), nd.ma.masked_where(cond, d), ...)")


def implicit_gather(d: Any, what: str) -> None:
    """Apply the fallback policy to an implicit whole-array conversion of ``d``.

    Call before any communication.  Raises :class:`FallbackError` in
    ``"error"`` mode, warns once per call site in ``"warn"`` mode, and counts
    the bytes in :func:`numpy_dist.comm_stats` (``implicit_gathers``,
    ``implicit_bytes``) unless it raised.

    Parameters
    ----------
    d : DistArray
        The array about to be gathered on every rank.
    what : str
        How it is being converted, e.g. ``"np.asarray(d)"``.

    Raises
    ------
    FallbackError
        In the ``"error"`` mode of :func:`numpy_dist.set_fallback` (on every
        rank: the decision depends on global metadata only).

    Notes
    -----
    Communication: none.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> from numpy_dist._implicit import implicit_gather
    >>> old = nd.set_fallback("error")
    >>> try:
    ...     implicit_gather(nd.arange(3), "list(d)")
    ... except nd.FallbackError:
    ...     print("refused")
    refused
    >>> _ = nd.set_fallback(old)
    """
    mode = get_fallback()
    nranks = d.comm.Get_size()
    ranks = f"ranks 0-{nranks - 1} each receive" if nranks > 1 else "rank 0 receives"
    message = (f"{what} implicitly gathers the whole DistArray (shape {d.shape}, {d.dtype}) onto every rank: "
               f"{ranks} {_format_bytes(d.nbytes)} ({_format_bytes(d.nbytes * nranks)} in all)")
    if mode == "error":
        raise FallbackError(f"{message}{_masked_hint()}; refused because the fallback mode is 'error'. "
                            "Call nd.asnumpy(d) (or nd.gather(d, root)) to gather on purpose")
    if mode == "warn":
        site, level, library = _call_site()
        if site not in _warned_sites:
            _warned_sites.add(site)
            via = f" (called inside {library.split('.')[0]}: {library})" if library else ""
            warnings.warn(f"{message}{via}{_masked_hint(library)}. Call nd.asnumpy(d) to do this on purpose, or keep the data "
                          "distributed (nd.set_fallback('allow') silences this, 'error' forbids it)",
                          FallbackWarning, stacklevel=level)
    _comm.count_implicit(d.nbytes)
