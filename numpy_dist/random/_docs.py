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

__all__ = ["RANDOM_PARAMETERS", "random_doc", "drawn_by"]

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


_MODULE_FUNCTION = """\
{summary}

Calls :meth:`Generator.{method}` of the module's default generator
(:func:`get_default_generator`; :func:`seed` reseeds it).

Parameters
----------
{params}
**kwargs
    Further keyword arguments of :meth:`Generator.{method}` (``shape``,
    ``dist``, ``grid_shape`` ...).

Returns
-------
DistArray or scalar
    As :meth:`Generator.{method}`.

Raises
------
TypeError
    As :meth:`Generator.{method}` (a bad layout, dtype or parameter type).
ValueError
    As :meth:`Generator.{method}` (a bad parameter value or size).

See Also
--------
Generator.{method}, seed

Notes
-----
Communication: as :meth:`Generator.{method}`; the first use without
:func:`seed` also broadcasts fresh OS entropy from rank 0.

Examples
--------
>>> import numpy as np, numpy_dist as nd
>>> nd.random.seed(7)
>>> {example}
{output}
"""


def drawn_by(method: str, params: str, example: str, output: str) -> Callable[[F], F]:
    """Decorator of a module function that calls ``Generator.<method>`` of the default generator.

    The function's own one-line docstring is the summary; ``params`` documents
    its parameters other than ``**kwargs`` (numpydoc text, unindented), and
    ``example`` (a call) prints ``output`` after ``nd.random.seed(7)``.
    """
    def decorate(func: F) -> F:
        func.__doc__ = fill_shared(_fill(_MODULE_FUNCTION.format(
            summary=(func.__doc__ or "").strip(), method=method, params=params.strip("\n"),
            example=example, output=output)))
        return func
    return decorate
