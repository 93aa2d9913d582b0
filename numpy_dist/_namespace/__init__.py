"""numpy_dist as an array API standard namespace (2025.12; 2023.12 and 2024.12 accepted).

Every function of the standard, with the standard's signatures and
semantics, implemented by calling NumPy functions on DistArrays (so they
dispatch to numpy_dist's distributed implementations) or numpy_dist's
creation functions.  Where the standard differs from NumPy (0-d results of
reductions, ``unique_*`` shapes, descending/stable sorts, ``correction=``,
the promotion lattice of ``can_cast``/``result_type``) the difference lives
here; the NumPy-dispatch path is unchanged.

``numpy_dist/__init__.py`` re-exports ``__all__`` plus the ``linalg`` and
``fft`` submodules, so ``array_api_compat.array_namespace(d)`` (which asks
``d.__array_namespace__()``) returns the ``numpy_dist`` module itself.
"""

from __future__ import annotations

from . import _creation, _dtypes, _elementwise, _indexing_functions, _manipulation, _sets_sorting, _statistical
from . import fft, linalg
from ._creation import *  # noqa: F403
from ._dtypes import *  # noqa: F403
from ._elementwise import *  # noqa: F403
from ._indexing_functions import *  # noqa: F403
from ._info import __array_namespace_info__
from ._manipulation import *  # noqa: F403
from ._sets_sorting import *  # noqa: F403
from ._statistical import *  # noqa: F403

__array_api_version__ = "2025.12"
SUPPORTED_API_VERSIONS = ("2023.12", "2024.12", "2025.12")

__all__ = sorted({
    *_creation.__all__, *_dtypes.__all__, *_elementwise.__all__, *_indexing_functions.__all__, *_manipulation.__all__,
    *_sets_sorting.__all__, *_statistical.__all__, "__array_namespace_info__",
})
