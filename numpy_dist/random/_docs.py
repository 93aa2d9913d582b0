"""Parameter entries the docstrings of numpy_dist.random share, written once.

A docstring of this package names an entry on a line of its own (``{size}``,
``{layout}``, a Raises entry ``{layout_error}``, a Notes paragraph
``{draw_communication}``), as :mod:`numpy_dist._docstrings` does for ``{dist}``,
``{grid_shape}`` and ``{comm}``; :func:`random_doc` fills both kinds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from .._docstrings import fill_shared

__all__ = ["RANDOM_PARAMETERS", "random_doc"]

F = TypeVar("F", bound=Callable)

RANDOM_PARAMETERS: dict[str, str] = {
    "size": """\
size : int or tuple of int, optional
    The global shape of the result.  None (default) draws one value,
    returned as a NumPy scalar equal on every rank, unless ``dist`` is a
    :class:`~numpy_dist.Distribution`, whose shape is then used.""",
    "shape": """\
shape : int or tuple of int, optional
    Another name for ``size`` (the seed library's); give one of the two.""",
    # the layout parameters every drawing method takes, after ``size``
    "layout": """\
{shape}
{dist}
{grid_shape}""",
    # a Raises entry: what the layout parameters reject
    "layout_error": """\
TypeError
    If both ``size`` and ``shape`` are given, or ``dist`` or
    ``grid_shape`` without a size (unless ``dist`` is a Distribution).""",
    # the Notes of the element-wise draws
    "draw_communication": """\
Communication: none; every rank draws its own elements.  The values
depend only on the seed and the global positions, not on the number
of ranks or the distribution.""",
}

_MARKER = re.compile(r"^(?P<indent>[ \t]*)\{(?P<name>" + "|".join(RANDOM_PARAMETERS) + r")\}[ \t]*$", re.MULTILINE)


def _fill(doc: str) -> str:
    def entry(m: re.Match) -> str:
        indent = m.group("indent")
        return "\n".join(indent + line if line else line for line in RANDOM_PARAMETERS[m.group("name")].splitlines())
    return _MARKER.sub(entry, _MARKER.sub(entry, doc))  # twice: "layout" names "shape"


def random_doc(func: F) -> F:
    """Decorator: fill this package's and the package-wide shared parameter entries in ``func``'s docstring."""
    if func.__doc__:
        func.__doc__ = fill_shared(_fill(func.__doc__))
    return func
