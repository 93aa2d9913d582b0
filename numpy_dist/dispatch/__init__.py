"""The NumPy protocol layer: one registry mapping NumPy functions and ufunc methods to implementations.

Importing this package registers every implementation (one module per chapter).
"""

from . import registry  # noqa: F401
from . import ufuncs  # noqa: F401
from . import creation_funcs  # noqa: F401
from . import reductions  # noqa: F401
from . import elementwise  # noqa: F401
from . import dtype_funcs  # noqa: F401
from . import manipulation  # noqa: F401
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
from . import fft  # noqa: F401
