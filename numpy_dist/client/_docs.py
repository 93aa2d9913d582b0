"""Docstring text the notebook client's methods share, written once.

A docstring names a shared entry on a line of its own: ``{engine_errors}``
(the Raises entries of any operation on the engines), ``{one_message}`` (its
Notes paragraph) and ``{connect}`` (the first line of an example), besides
:mod:`numpy_dist._docstrings`' ``{dist}`` and ``{grid_shape}``.
:func:`client_doc` fills them; :func:`engine_twin` writes the whole
docstring of a method that runs one numpy_dist function on the engines.

The examples need a running cluster of MPI engines, so they are marked
``# doctest: +SKIP``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from .._docstrings import fill_shared

__all__ = ["CLIENT_ENTRIES", "client_doc", "engine_twin"]

F = TypeVar("F", bound=Callable)

CLIENT_ENTRIES: dict[str, str] = {
    "engine_errors": """\
RemoteError
    If the operation fails on the engines.  The exception is also of the
    engines' exception class (a ValueError there is a ValueError here) and
    carries the engine's traceback.
EngineDiedError
    If an engine (an MPI rank) died: the cluster cannot go on.
EngineTimeoutError
    If the engines do not answer within :attr:`Client.timeout` seconds.""",
    "one_message": """\
Communication: one message from the notebook to every engine; the
engines run the call collectively (SPMD), as a program under ``mpiexec``
would.""",
    "connect": """\
>>> import numpy as np, numpy_dist as nd
>>> c = nd.client.connect(n=2)  # doctest: +SKIP""",
}

_MARKER = re.compile(r"^(?P<indent>[ \t]*)\{(?P<name>" + "|".join(CLIENT_ENTRIES) + r")\}[ \t]*$", re.MULTILINE)


def _fill(doc: str) -> str:
    def entry(m: re.Match) -> str:
        indent = m.group("indent")
        return "\n".join(indent + line if line else line for line in CLIENT_ENTRIES[m.group("name")].splitlines())
    return _MARKER.sub(entry, doc)


def client_doc(func: F) -> F:
    """Decorator: fill the client's and the package-wide shared entries in ``func``'s docstring."""
    if func.__doc__:
        func.__doc__ = fill_shared(_fill(func.__doc__))
    return func


_TWIN = """\
{summary}

Runs :func:`numpy_dist.{name}` on the engines{how}.

Parameters
----------
{params}

Returns
-------
{returns}

Raises
------
{{engine_errors}}

See Also
--------
numpy_dist.{name}

Notes
-----
{{one_message}}

Examples
--------
{{connect}}
{example}
"""


def engine_twin(name: str, params: str, returns: str, example: str, how: str = "") -> Callable[[F], F]:
    """Decorator of a Client method that runs ``numpy_dist.<name>`` on the engines.

    The method's own one-line docstring is the summary; ``params`` and
    ``returns`` are its numpydoc entries (unindented); ``example`` the lines
    after ``c = nd.client.connect(n=2)``.  ``how`` ends the sentence saying
    what runs where.
    """
    def decorate(func: F) -> F:
        func.__doc__ = fill_shared(_fill(_TWIN.format(
            summary=(func.__doc__ or "").strip(), name=name, how=how, params=params.strip("\n"),
            returns=returns.strip("\n"), example=example.strip("\n"))))
        return func
    return decorate
