"""Parameter descriptions that many public functions share, written once.

A docstring names a shared entry on a line of its own, ``{dist}``, indented
as its Parameters section is; :func:`shared_parameters` replaces that line by
the entry, re-indented.  Only the names below are replaced (no ``str.format``),
so braces elsewhere in a docstring (dicts in examples) are left alone.

Examples
--------
>>> from numpy_dist._docstrings import shared_parameters
>>> @shared_parameters
... def f(dist=None):
...     '''Do nothing.
...
...     Parameters
...     ----------
...     {dist}
...     '''
>>> "Distribution code per axis" in f.__doc__
True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

__all__ = ["SHARED_PARAMETERS", "shared_parameters", "fill_shared"]

F = TypeVar("F", bound=Callable)

SHARED_PARAMETERS: dict[str, str] = {
    "dist": """\
dist : str, sequence of str, dict or Distribution, optional
    Distribution code per axis: ``'b'`` block, ``'c'`` cyclic, ``'n'`` not
    distributed.  One code for every axis (``'c'``), one per axis (``'bn'``
    or ``('b', 'n')``), the DistArray seed's ``{axis: code}`` (axes not named
    are ``'n'``), or a whole :class:`~numpy_dist.Distribution` (its shape
    must match).  Default: block along axis 0, other axes whole.
    Block-cyclic and unstructured (``'u'``) axes are made with
    :meth:`Distribution.from_global_dim_data`.""",
    "grid_shape": """\
grid_shape : tuple of int, optional
    Processes along each array axis (1 for ``'n'`` axes), or one entry per
    distributed axis; the product must equal the communicator's size.
    Default: :func:`~numpy_dist.make_grid_shape`, which balances the
    processes over the distributed axes.""",
    "comm": """\
comm : mpi4py.MPI.Intracomm, optional
    The ranks that hold the array (default ``MPI.COMM_WORLD``).  Every rank
    of ``comm`` makes the same call: the operation is collective.""",
}

_MARKER = re.compile(r"^(?P<indent>[ \t]*)\{(?P<name>" + "|".join(SHARED_PARAMETERS) + r")\}[ \t]*$",
                     re.MULTILINE)


def fill_shared(doc: str) -> str:
    """``doc`` with each marker line ``{name}`` replaced by that shared entry, at the marker's indent."""
    def entry(m: re.Match) -> str:
        indent = m.group("indent")
        return "\n".join(indent + line if line else line for line in SHARED_PARAMETERS[m.group("name")].splitlines())
    return _MARKER.sub(entry, doc)


def shared_parameters(func: F) -> F:
    """Decorator: fill the shared parameter entries named in ``func``'s docstring (see module doc)."""
    if func.__doc__:
        func.__doc__ = fill_shared(func.__doc__)
    return func
