"""Which local blocks user code may write behind the library's back (layer 4, below ``_deferred``).

A deferred call reads its operands' blocks later than NumPy would; if user code
holds one of them (a block handed out by ``.local``, an array lent to
``asarray`` that the caller still refers to) it could write it in between, so
such a call is computed at once.  Local: each rank answers for its own blocks.
"""

from __future__ import annotations

import sys
import weakref
from typing import Any

import numpy as np

__all__ = ["EXPOSED", "LENT", "expose", "lend", "is_exposed"]

EXPOSED: dict[int, Any] = {}  # id(root buffer) -> weakref to it: user code may write there
LENT: set[int] = set()  # ids of the memory owners of arrays lent to asarray: exposed while held elsewhere


def _root(block: np.ndarray) -> Any:
    while isinstance(block.base, np.ndarray):
        block = block.base
    return block


class _Anchor(np.ndarray):
    """The one view of a lent array (see :func:`lend`) that the blocks made from it reach it through."""


def lend(data: np.ndarray, key: Any) -> np.ndarray:
    """``data[key]`` for a block of an array the caller passed to ``asarray``, exposed only while held elsewhere.

    Every view NumPy makes of ``data`` refers to it, so its reference count
    cannot tell the caller's references from the library's.  The block is made
    through an :class:`_Anchor` instead (NumPy's base chain stops at a change
    of type), so ``data`` has one reference from numpy_dist however many views
    of the block exist; ``nd.asarray(np.ones(n))``, whose array nobody else
    holds, can then defer.  ``data`` may be a view of plain arrays
    (``np.arange(12.0).reshape(3, 4)``): each array of the chain counts.  An
    array whose memory belongs to anything else (a memory map, a buffer) is
    exposed as :func:`expose` does.
    """
    owner = data
    while owner.base is not None:
        if type(owner.base) is not np.ndarray:
            local = data[key]
            expose(local)
            return local
        owner = owner.base
    if id(owner) not in LENT:
        LENT.add(id(owner))
        weakref.finalize(owner, LENT.discard, id(owner))
    return data.view(_Anchor)[key].view(np.ndarray)


def is_exposed(block: np.ndarray) -> bool:
    """Whether user code may write the memory ``block`` views (local: a rank computes at once what it reads).

    Exposed are the blocks :func:`expose` recorded, and those made by :func:`lend`
    while anything but numpy_dist refers to the lent array or to an array it views.
    """
    anchor = None
    while isinstance(block.base, np.ndarray):
        if type(block.base) is _Anchor and type(block.base.base) is not _Anchor:
            anchor = block.base  # the lent array's own anchor
        block = block.base
    if id(block) in EXPOSED:
        return True
    owner = id(block)
    if anchor is None or owner not in LENT:
        return False
    del block  # (from here only the chain's own references may count)
    if _held_elsewhere(anchor):
        return True
    # Nobody else holds the chain now, and nobody can take hold of it again: the library hands a block
    # out only through expose.  So it is never exposed again, and later calls skip the walk.
    LENT.discard(owner)
    return False


def _held_elsewhere(anchor: np.ndarray) -> bool:
    """Whether anything but the chain itself refers to the array ``anchor`` views or to an array that one views.

    Each array of the chain is referred to once by the next one down (the lent
    array by its anchor), once by the name here and once by the call's
    argument; one more reference is somebody else's (a name, a view, a buffer).
    """
    array = anchor.base
    del anchor
    while array is not None:
        if sys.getrefcount(array) > 3:
            return True
        array = array.base
    return False


def expose(block: np.ndarray) -> None:
    """Record that user code holds ``block`` (or a view of its memory) and may write it at any time."""
    root = _root(block)
    key = id(root)
    if key not in EXPOSED:
        try:
            EXPOSED[key] = weakref.ref(root, lambda _r, key=key: EXPOSED.pop(key, None))
        except TypeError:  # pragma: no cover - a root NumPy cannot refer to weakly
            pass
