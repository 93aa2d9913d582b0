"""Docstring entries that numpy_dist.ma's functions share, written once.

A docstring of this package names an entry on a line of its own (``{m}``,
``{axis}``, ``{keepdims}``, the Raises entry ``{axis_error}``, the Notes
paragraph ``{reduce_communication}``), as :mod:`numpy_dist._docstrings` does
for ``{dist}``; :func:`ma_doc` fills both kinds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from .._docstrings import fill_shared

__all__ = ["MA_ENTRIES", "ma_doc"]

F = TypeVar("F", bound=Callable)

MA_ENTRIES: dict[str, str] = {
    "m": """\
m : MaskedDistArray
    The masked array (as a method: the array itself).""",
    "axis": """\
axis : int, tuple of int or None, optional
    The axes to reduce; None (default) reduces every axis.""",
    "keepdims": """\
keepdims : bool, optional
    If True, the reduced axes stay with length one.  Default False.""",
    "axis_error": """\
numpy.exceptions.AxisError
    If an axis is out of range (on every rank, before any message).""",
    "reduce_communication": """\
A reduced element is masked where every element reduced into it was
masked; a fully masked scalar result is ``numpy.ma.masked``.
Communication: the distributed reductions of the filled data and of the
mask (partial results combined within the reduced axes'
sub-communicators); nothing is gathered.""",
}

_MARKER = re.compile(r"^(?P<indent>[ \t]*)\{(?P<name>" + "|".join(MA_ENTRIES) + r")\}[ \t]*$", re.MULTILINE)


def _fill(doc: str) -> str:
    def entry(m: re.Match) -> str:
        indent = m.group("indent")
        return "\n".join(indent + line if line else line for line in MA_ENTRIES[m.group("name")].splitlines())
    return _MARKER.sub(entry, doc)


def ma_doc(func: F) -> F:
    """Decorator: fill this package's and the package-wide shared entries in ``func``'s docstring."""
    if func.__doc__:
        func.__doc__ = fill_shared(_fill(func.__doc__))
    return func
