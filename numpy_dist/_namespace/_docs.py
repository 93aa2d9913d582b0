"""Docstrings of the array API namespace, their shared parts written once.

Most namespace functions come in families that share parameters, errors
and communication: the element-wise functions (one array ``x``, or two
operands ``x1, x2``), the reductions (``axis``, ``keepdims``), the FFTs.
The shared text lives here.  A family's factory (``_unary`` in
``_elementwise`` ...) passes only what is specific to one function (its
summary sentence and its example) to the template of its family.

Hand-written docstrings name a shared parameter entry on a line of its own,
``{keepdims}``, as :mod:`numpy_dist._docstrings` does for ``{dist}``; the
decorator :func:`namespace_doc` fills both kinds.

Examples
--------
>>> from numpy_dist._namespace._docs import namespace_doc
>>> @namespace_doc
... def f(x, /, *, keepdims=False):
...     '''Do nothing.
...
...     Parameters
...     ----------
...     {x}
...     {keepdims}
...     '''
>>> "length one" in f.__doc__
True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from .._docstrings import fill_shared

__all__ = ["NAMESPACE_PARAMETERS", "namespace_doc", "unary_doc", "binary_doc", "reduction_doc", "fft_doc"]

F = TypeVar("F", bound=Callable)

IMPORTS = ">>> import numpy as np, numpy_dist as nd"

NAMESPACE_PARAMETERS: dict[str, str] = {
    "x": """\
x : DistArray
    The input array.  A NumPy scalar (what integer indexing of a DistArray
    gives) is taken as a replicated 0-d array.""",
    "axis": """\
axis : int, tuple of int or None, optional
    The axes to reduce; None (default) reduces every axis.  Negative
    values count from the last axis.""",
    "keepdims": """\
keepdims : bool, optional
    If True, the reduced axes stay in the result with length one, so it
    broadcasts against ``x``.  Default False.""",
    "device": """\
device : None or "cpu", optional
    Where the result lives.  numpy_dist arrays live in host memory, so
    only ``"cpu"`` (or None) is accepted.""",
}

_MARKER = re.compile(r"^(?P<indent>[ \t]*)\{(?P<name>" + "|".join(NAMESPACE_PARAMETERS) + r")\}[ \t]*$",
                     re.MULTILINE)


def _fill_namespace(doc: str) -> str:
    def entry(m: re.Match) -> str:
        indent = m.group("indent")
        return "\n".join(indent + line if line else line
                         for line in NAMESPACE_PARAMETERS[m.group("name")].splitlines())
    return _MARKER.sub(entry, doc)


def namespace_doc(func: F) -> F:
    """Decorator: fill the namespace's and the package's shared parameter entries in ``func``'s docstring."""
    if func.__doc__:
        func.__doc__ = fill_shared(_fill_namespace(func.__doc__))
    return func


# -- element-wise ----------------------------------------------------------------------------

_UNARY = """\
{summary}

Calls ``numpy.{numpy_name}`` on each rank's block.{note}

Parameters
----------
{x}

Returns
-------
DistArray
    Same shape and distribution as ``x``; the dtype NumPy's
    ``{numpy_name}`` gives for ``x``'s dtype.

Raises
------
TypeError
    If ``x`` is not a numpy_dist array (or a NumPy scalar), or if
    ``numpy.{numpy_name}`` does not take ``x``'s dtype.

See Also
--------
numpy.{numpy_name}

Notes
-----
Communication: none; every rank computes its own block.

Examples
--------
{imports}
>>> x = nd.asarray(np.array({example}))
>>> {call}
{output}
"""

_BINARY = """\
{summary}

Calls ``numpy.{numpy_name}`` on each rank's aligned blocks.{note}

Parameters
----------
x1, x2 : DistArray or bool, int, float, complex
    The operands, broadcast against each other.  At least one is a
    numpy_dist array; the other may be a Python scalar, which is weak: a
    scalar of the array's kind keeps the array's dtype (``int8`` array
    plus ``1`` stays ``int8``).

Returns
-------
DistArray
    The broadcast shape of ``x1`` and ``x2``, distributed like the first
    array operand; the dtype NumPy's ``{numpy_name}`` gives.

Raises
------
TypeError
    If neither operand is a numpy_dist array, if an operand is neither an
    array nor a Python scalar, or if ``numpy.{numpy_name}`` does not take
    the operands' dtypes.
ValueError
    If the shapes do not broadcast.

See Also
--------
numpy.{numpy_name}

Notes
-----
Communication: none when the array operands share a distribution (and for
a scalar operand); otherwise the operands are first aligned to a common
layout, which moves data between ranks.

Examples
--------
{imports}
>>> x1 = nd.asarray(np.array({x1}))
{x2_line}>>> {call}
{output}
"""

_SPECIAL_NOTE = ("  Where NumPy's result differs from the array API standard's special "
                 "cases (infinite or signed-zero operands), a local fix-up on the same "
                 "block gives the standard's value.")


def _call_line(name: str, args: str, call_format: str) -> str:
    return call_format.format(call=f"nd.{name}({args})")


def unary_doc(name: str, numpy_name: str, summary: str, example: str, output: str, *,
              call_format: str = "nd.asnumpy({call})", special: bool = False) -> str:
    """The docstring of the element-wise function ``name`` of one array ``x``.

    ``example`` is the list ``x`` is made from and ``output`` what the call,
    gathered by ``nd.asnumpy`` (or as ``call_format`` says), prints.
    """
    return _fill_namespace(_UNARY.format(
        summary=summary, numpy_name=numpy_name, note=_SPECIAL_NOTE if special else "", x="{x}",
        imports=IMPORTS, example=example, call=_call_line(name, "x", call_format), output=output))


def binary_doc(name: str, numpy_name: str, summary: str, x1: str, x2: str, output: str, *,
               call_format: str = "nd.asnumpy({call})", special: bool = False) -> str:
    """The docstring of the element-wise function ``name`` of two operands ``x1, x2``.

    ``x2`` is a list (made an array) or a Python scalar (passed as is).
    """
    if x2.startswith("["):
        x2_line, args = f">>> x2 = nd.asarray(np.array({x2}))\n", "x1, x2"
    else:
        x2_line, args = "", f"x1, {x2}"
    return _BINARY.format(
        summary=summary, numpy_name=numpy_name, note=_SPECIAL_NOTE if special else "", imports=IMPORTS,
        x1=x1, x2_line=x2_line, call=_call_line(name, args, call_format), output=output)


# -- reductions ----------------------------------------------------------------------------------

_REDUCTION = """\
{summary}

Calls ``numpy.{numpy_name}``, which numpy_dist reduces natively: each rank
reduces its block, then the partial results are combined.

Parameters
----------
{x}
{axis}
{keepdims}

Returns
-------
DistArray
    ``x``'s shape without the reduced axes (or with length one there when
    ``keepdims``).  Reducing every axis gives a 0-d array that every rank
    holds whole.{returns_note}

Raises
------
TypeError
    If ``x`` is not a numpy_dist array (or a NumPy scalar).
numpy.exceptions.AxisError
    If an axis is out of range (a subclass of ValueError and IndexError).{raises_note}

See Also
--------
numpy.{numpy_name}

Notes
-----
Communication: the partial results are combined within the
sub-communicators of the reduced axes (a scalar or one reduced slice per
rank); the data itself does not move.

Examples
--------
{imports}
>>> x = nd.asarray(np.array({example}))
{calls}
"""


def reduction_doc(numpy_name: str, summary: str, example: str, calls: list[tuple[str, str]], *,
                  returns_note: str = "", raises_note: str = "") -> str:
    """The docstring of a reduction (``max``, ``mean``, ``all`` ...) over ``axis`` with ``keepdims``.

    ``calls`` pairs each example call with what it prints.
    """
    lines = "\n".join(f">>> {call}\n{out}" for call, out in calls)
    return _fill_namespace(_REDUCTION.format(
        summary=summary, numpy_name=numpy_name, returns_note=returns_note, raises_note=raises_note,
        x="{x}", axis="{axis}", keepdims="{keepdims}", imports=IMPORTS, example=example, calls=lines))


# -- FFT -------------------------------------------------------------------------------------------

_FFT = """\
{summary}

Parameters
----------
x : DistArray
    The input array{input_note}.
{size_params}
norm : {{"backward", "ortho", "forward"}}, optional
    Which direction is scaled: ``"backward"`` (default) scales the inverse
    transform by ``1/n``, ``"forward"`` the forward one, ``"ortho"`` both by
    ``1/sqrt(n)``.

Returns
-------
DistArray
    {returns}
    Single precision input gives a single precision result.

Raises
------
TypeError
    If ``x`` is not a numpy_dist array (or a NumPy scalar).
ValueError
    If ``norm`` is not one of the three names, or a length is less than one.
IndexError
    If an axis is out of range.

See Also
--------
numpy.fft.{name}

Notes
-----
Natively distributed (``numpy.fft.{name}`` through NumPy dispatch).
Communication: none along an axis every rank holds whole.  Along a
distributed axis the array is re-laid so that axis is whole on each rank
(one all-to-all exchange, and one back after the last axis); a
distributed one-dimensional array is transformed by the four-step
algorithm (all-to-all transposes), never gathered.

Examples
--------
{imports}
>>> x = nd.asarray(np.array({example}))
>>> {call}
{output}
"""

_ONE_AXIS = """\
n : int, optional
    Length of the transformed axis of the input: ``x`` is cut or
    zero-padded to ``n`` along ``axis``.  Default: its length there{n_note}.
axis : int, optional
    The axis transformed (default the last)."""

_N_AXES = """\
s : sequence of int, optional
    Lengths of the transformed axes of the input (cut or zero-padded);
    default their lengths in ``x``{n_note}.
axes : sequence of int, optional
    The axes transformed (default: the last ``len(s)``, or all)."""


def fft_doc(name: str, summary: str, returns: str, example: str, output: str, *, n_axes: bool,
            n_note: str = "", input_note: str = "", call: str = "") -> str:
    """The docstring of the transform ``numpy_dist.fft.<name>``.

    The example makes ``x`` from the list ``example`` and prints ``call``
    (default: the transform of ``x``, gathered), which gives ``output``.
    """
    size_params = (_N_AXES if n_axes else _ONE_AXIS).format(n_note=n_note)
    return _FFT.format(name=name, summary=summary, returns=returns, example=example, output=output,
                       size_params=size_params, input_note=input_note, imports=IMPORTS,
                       call=call or f"nd.asnumpy(nd.fft.{name}(x))")
