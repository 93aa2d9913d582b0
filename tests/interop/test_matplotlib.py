"""matplotlib: the README's recipe for plotting a DistArray from rank 0.

Plotting needs the values in one process: gather explicitly to rank 0
(``nd.gather``), or reduce first (``np.histogram`` of a DistArray runs
distributed and returns small NumPy arrays on every rank), then draw on rank 0
only.  Passing a DistArray to matplotlib directly gathers it implicitly.
"""

import numpy as np
import pytest

import numpy_dist as nd
from numpy_dist.testing import assert_all_ranks, distribute, rng_data

from ._helpers import CASES_1D, RANK

pytest.importorskip("matplotlib")
from matplotlib.figure import Figure  # noqa: E402  (no pyplot: the backend is left alone)


@pytest.mark.parametrize("case", CASES_1D)
def test_plot_recipe_from_rank_0(case):
    x = rng_data((50,))
    d = distribute(x, case)
    y = nd.gather(d, root=0)                 # every rank calls it; rank 0 receives the array
    counts, edges = np.histogram(d, bins=8)  # distributed; the same small result everywhere
    ok = True
    if RANK == 0:
        fig = Figure()
        line_ax, hist_ax = fig.subplots(1, 2)
        (line,) = line_ax.plot(y)
        hist_ax.stairs(counts, edges)
        ok = np.array_equal(line.get_ydata(), x)
    else:
        ok = y is None
    want_counts, want_edges = np.histogram(x, bins=8)
    ok &= np.array_equal(counts, want_counts) and np.allclose(edges, want_edges)
    assert_all_ranks(ok, "the plotted values differ from NumPy's")


def test_passing_a_distarray_to_matplotlib_gathers_implicitly():
    d = distribute(rng_data((4, 6)), "block")
    ax = Figure().subplots()
    with pytest.warns(nd.FallbackWarning, match=r"nd\.asnumpy"):
        ax.imshow(d)  # on every rank: the implicit gather is collective
    nd.set_fallback("error")
    with pytest.raises(nd.FallbackError):
        ax.plot(d[0])
