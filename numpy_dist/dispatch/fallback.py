"""The fallback: gather the DistArray arguments, run NumPy's function on every rank, distribute the results.

The one path that materialises whole arrays implicitly, for NumPy functions
and ufunc methods without a distributed implementation; governed by
:func:`~numpy_dist.dispatch.registry.set_fallback`.

Communication: a gather of every DistArray argument (``asnumpy``), an
agreement on NumPy's exception, then each result distributed again (local
slicing of the whole copy every rank holds).
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import numpy as np

from .. import comm as _comm
from ..creation import asarray, asnumpy
from ..distarray import DistArray
from .registry import FallbackError, FallbackWarning, get_fallback, qualified_name, written_parameters

__all__ = ["fallback", "fallback_policy", "gathered_operand", "ufunc_fallback", "written_arguments"]

_warned: set[str] = set()


def _find_template(tree: Any) -> DistArray | None:
    if isinstance(tree, DistArray):
        return tree
    if isinstance(tree, (list, tuple)):
        for x in tree:
            found = _find_template(x)
            if found is not None:
                return found
    if isinstance(tree, dict):
        return _find_template(list(tree.values()))
    return None


def _leaves(tree: Any) -> list:
    """The arrays (DistArray or NumPy) in a nest of tuples and lists."""
    if isinstance(tree, (DistArray, np.ndarray)):
        return [tree]
    if isinstance(tree, (list, tuple)):
        return [leaf for x in tree for leaf in _leaves(x)]
    return []


def _bound_arguments(func: Any, args: tuple, kwargs: dict) -> dict | None:
    """The call's arguments by parameter name (``**kwargs`` merged in), or None if it does not bind."""
    try:
        signature = inspect.signature(func)
        bound = signature.bind(*args, **kwargs).arguments
    except (TypeError, ValueError):  # no signature, or a call NumPy will reject
        return None
    var_kw = [p.name for p in signature.parameters.values() if p.kind is p.VAR_KEYWORD]
    extra = bound.pop(var_kw[0], {}) if var_kw else {}  # ufunc.reduce(..., **kwargs) takes out there
    return {**extra, **bound}


def written_arguments(func: Any, args: tuple, kwargs: dict) -> list:
    """The arrays among ``args``/``kwargs`` that NumPy's ``func`` writes into.

    The parameters named by :func:`~numpy_dist.dispatch.registry.written_parameters`,
    matched against the call through ``func``'s signature (NumPy validates the
    call itself later: arguments that do not bind are looked up by keyword only).
    """
    names = written_parameters(func)
    if not names:
        return []
    bound = _bound_arguments(func, args, kwargs)
    if bound is None:
        bound = kwargs
    return [leaf for n in names for leaf in _leaves(bound.get(n))]


def _scribbles_on_inputs(func: Any, args: tuple, kwargs: dict) -> bool:
    """``overwrite_input=True`` (median, percentile ...): NumPy may use the inputs as scratch space."""
    if "overwrite_input" not in kwargs and len(args) < 2:
        return False
    bound = _bound_arguments(func, args, kwargs)
    return bool(bound and bound.get("overwrite_input"))


class _Gathered:
    """Whole NumPy copies of the DistArray arguments of one fallback call.

    Each DistArray object is gathered once, so an array passed twice (``out``
    aliasing an input) is one NumPy array to NumPy too.  The arrays NumPy
    writes into are private writable copies, written back afterwards; every
    other gathered array is a read-only view, so a NumPy function writing
    into an argument not known as written raises instead of losing the write
    (unless the call allows scratch use of its inputs: ``overwrite_input=True``).
    """

    def __init__(self, targets: list, scratch: bool = False) -> None:
        self._target_ids = {id(t) for t in targets if isinstance(t, DistArray)}
        self._scratch = scratch  # inputs may be scribbled on: private writable copies, not written back
        self._copies: dict[int, tuple[DistArray, np.ndarray]] = {}

    def tree(self, tree: Any) -> Any:
        if isinstance(tree, DistArray):
            return self._array(tree)
        if isinstance(tree, list):
            return [self.tree(x) for x in tree]
        if isinstance(tree, tuple):  # named tuples (linalg results passed back in) keep their type
            items = [self.tree(x) for x in tree]
            return type(tree)(*items) if hasattr(tree, "_fields") else tuple(items)
        if isinstance(tree, dict):
            return {k: self.tree(v) for k, v in tree.items()}
        return tree

    def _array(self, d: DistArray) -> np.ndarray:
        if id(d) not in self._copies:
            whole = asnumpy(d)
            if id(d) in self._target_ids or self._scratch:
                whole = np.array(whole, copy=True)  # never d.local itself
            else:
                whole = whole.view()
                whole.flags.writeable = False
            self._copies[id(d)] = (d, whole)
        return self._copies[id(d)][1]

    def write_back(self) -> None:
        """Each rank stores its own part of every written copy (local; views reach their base)."""
        for d, whole in self._copies.values():
            if id(d) in self._target_ids:
                d.local[...] = whole[d.distribution.local_key()]

    def original(self, x: Any) -> DistArray | None:
        """The written DistArray whose NumPy copy ``x`` is (NumPy returns ``out`` itself)."""
        for d, whole in self._copies.values():
            if whole is x and id(d) in self._target_ids:
                return d
        return None


def _distribute_tree(tree: Any, template: DistArray, gathered: _Gathered, user_outs: list) -> Any:
    if isinstance(tree, np.ndarray):
        if any(tree is o for o in user_outs):  # the caller's own NumPy out: returned as NumPy does
            return tree
        original = gathered.original(tree)
        if original is not None:
            return original
    if isinstance(tree, np.ndarray) and not tree.dtype.hasobject:
        dist = template.distribution if tree.shape == template.shape else None
        return asarray(tree, dist=dist, comm=template.comm, copy=True)
    if isinstance(tree, tuple) and not hasattr(tree, "_fields"):
        return tuple(_distribute_tree(x, template, gathered, user_outs) for x in tree)
    if isinstance(tree, tuple):  # named tuples (e.g. linalg results)
        return type(tree)(*[_distribute_tree(x, template, gathered, user_outs) for x in tree])
    if isinstance(tree, list):
        return [_distribute_tree(x, template, gathered, user_outs) for x in tree]
    return tree


#: A DistArray operand up to this many bytes (global) is gathered silently where it is used whole.
SMALL_OPERAND_BYTES = 1 << 16


def gathered_operand(x: Any, name: str) -> Any:
    """A DistArray operand NumPy reads whole (cyclic values, an index list), on every rank.

    Small ones (global size, so every rank decides alike) are gathered silently;
    a larger one is an announced gather under the fallback policy (warn, or
    refuse in ``"error"`` mode before any message).  Non-DistArrays pass through.
    """
    if not isinstance(x, DistArray):
        return x
    if x.nbytes > SMALL_OPERAND_BYTES:
        fallback_policy(f"{name} (a whole DistArray operand)")
    return asnumpy(x)


def fallback_policy(name: str) -> None:
    """Apply the fallback mode before any gathering: raise, warn once per name, or stay silent."""
    mode = get_fallback()
    if mode == "error":
        raise FallbackError(f"{name} has no distributed implementation (fallback mode is 'error')")
    if mode == "warn" and name not in _warned:
        _warned.add(name)
        warnings.warn(f"{name} has no distributed implementation: gathering, computing with NumPy, "
                      "redistributing", FallbackWarning, stacklevel=5)


def fallback(func: Any, args: tuple, kwargs: dict, name: str) -> Any:
    """Gather the DistArray arguments, run NumPy's ``func`` on every rank, distribute the results.

    The one documented path that materialises whole arrays implicitly.
    Governed by :func:`numpy_dist.set_fallback`: it warns once per function
    (:class:`numpy_dist.FallbackWarning`), runs silently, or raises
    :class:`numpy_dist.FallbackError` before any communication.  Array
    results take the distribution of the first DistArray argument when
    their shape matches it, otherwise the default block distribution.

    A DistArray that ``func`` writes into (``out=``, ``np.copyto``'s ``dst``,
    ``np.put_along_axis``'s ``arr`` ...; see
    :func:`~numpy_dist.dispatch.registry.written_parameters`) is handed to
    NumPy as a whole writable copy, so NumPy's own casting, ``where=`` and
    overlap rules apply; afterwards each rank stores its own part of the
    modified copy into the DistArray's blocks (no communication: every rank
    holds the whole copy), and a returned ``out`` is the DistArray itself.
    """
    fallback_policy(name)
    template = _find_template((args, kwargs))
    if template is None:  # nothing distributed among the arguments: plain NumPy
        return func(*args, **kwargs)
    written = written_arguments(func, args, kwargs)
    gathered = _Gathered(written, scratch=_scribbles_on_inputs(func, args, kwargs))
    np_args, np_kwargs = gathered.tree(args), gathered.tree(kwargs)
    with _comm.agreed(template.comm):  # NumPy may raise; it raises everywhere alike, but be sure
        result = func(*np_args, **np_kwargs)
    gathered.write_back()
    return _distribute_tree(result, template, gathered, [w for w in written if isinstance(w, np.ndarray)])


def ufunc_fallback(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """:func:`fallback` for a ufunc method (``"__call__"``, ``"reduce"`` ...) without a native path."""
    func = ufunc if method == "__call__" else getattr(ufunc, method)
    return fallback(func, inputs, kwargs, qualified_name(ufunc, method))
