"""The NumPy protocol layer: one registry mapping NumPy functions and ufunc methods to implementations.

Importing this package registers every implementation (one module per chapter) and installs
the protocol bodies into ``DistArray`` (the array never imports this layer).
"""

from ..distarray import install_array_hooks
from .._elision import install_shifted_kernel

from . import registry  # noqa: F401
from . import ufuncs  # noqa: F401
from . import creation_funcs  # noqa: F401
from . import creation_like  # noqa: F401
from . import reductions  # noqa: F401
from . import elementwise  # noqa: F401
from . import dtype_funcs  # noqa: F401
from . import manipulation  # noqa: F401
from . import padding  # noqa: F401
from . import indexing_funcs  # noqa: F401
from . import sorting  # noqa: F401
from . import order_stats  # noqa: F401
from . import sets  # noqa: F401
from . import histograms  # noqa: F401
from . import matmul_plan  # noqa: F401
from . import products  # noqa: F401
from . import linalg  # noqa: F401
from . import einsum  # noqa: F401
from . import decompositions  # noqa: F401
from . import square_matrices  # noqa: F401
from . import general_matrices  # noqa: F401
from . import fft  # noqa: F401
from . import signals  # noqa: F401
from . import statistics  # noqa: F401
from . import diagonals  # noqa: F401
from . import selection  # noqa: F401
from . import flat_indices  # noqa: F401
from . import editing  # noqa: F401
from . import packing  # noqa: F401
from . import text_dates  # noqa: F401
from . import records  # noqa: F401
from . import polynomials  # noqa: F401
from . import assembly  # noqa: F401

from .protocol import array_function, array_ufunc  # noqa: E402


def _shifted_into(ufunc, a, b):
    """``ufunc(a, b)`` into ``a``'s block when ``b`` is ``a``'s layout shifted (a stencil slice), else None."""
    if ufuncs.shifted_operand((a, b), a._dist) != 1:
        return None
    ufuncs.call_in_pieces(ufunc, (a, b), 1, a._dist, {}, out=a._local)
    return a


install_array_hooks(array_function=array_function, array_ufunc=array_ufunc)
install_shifted_kernel(_shifted_into)
