"""Pictures of who owns what (matplotlib is an optional extra: ``pip install numpy_dist[plot]``).

As the seed's ``plot_array_distribution``: a 1-d or 2-d DistArray drawn as a
grid of cells coloured by the rank that owns each element.  Only metadata is
used (no array data moves); rank 0 writes the file.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .distarray import DistArray
from .distribution import Distribution

__all__ = ["owner_map", "plot_array_distribution"]


def owner_map(d: DistArray | Distribution) -> np.ndarray:
    """Owning rank of every element of a 1-d or 2-d array.

    Replicated blocks report their lowest-ranked holder.

    Parameters
    ----------
    d : DistArray or Distribution
        A 1-d or 2-d array (or its layout).

    Returns
    -------
    numpy.ndarray
        An int64 array of the array's shape holding each element's owner; the
        same on every rank.

    Raises
    ------
    ValueError
        If the array is not 1-d or 2-d.

    Notes
    -----
    Communication: none (metadata only).

    Examples
    --------
    >>> import numpy_dist as nd
    >>> from numpy_dist.plotting import owner_map
    >>> owner_map(nd.zeros((2, 3))).shape
    (2, 3)
    >>> owner_map(nd.Distribution.on_rank(nd.get_comm(), (3,))).tolist()
    [0, 0, 0]
    """
    dist = d.distribution if isinstance(d, DistArray) else d
    if dist.ndim not in (1, 2):
        raise ValueError(f"owner_map draws 1-d and 2-d arrays, not {dist.ndim}-d")
    grids = [np.zeros(n, np.int64) if g is None else dist.maps[a].owners(np.arange(n))
             for a, (n, g) in enumerate(zip(dist.shape, dist.axis_grid))]
    coords = [np.zeros(dist.shape, np.int64) for _ in dist.proc_grid]
    mesh = np.meshgrid(*grids, indexing="ij")
    for a, g in enumerate(dist.axis_grid):
        if g is not None:
            coords[g] = mesh[a]
    return np.ravel_multi_index(coords, dist.proc_grid) if coords else np.zeros(dist.shape, np.int64)


def plot_array_distribution(darray: DistArray, filename: str | None = None, title: str | None = None,
                            cell_label: bool = True, legend: bool = True, **kwargs: Any) -> Any:
    """Draw ``darray`` coloured by owning rank and save it to ``filename`` (PNG) on rank 0.

    Parameters
    ----------
    darray : DistArray
        A 1-d or 2-d array.
    filename : str, optional
        Where rank 0 saves the figure (default: not saved).
    title : str, optional
        The figure's title (default: shape, codes and grid).
    cell_label : bool, optional
        Write the owning rank in each cell (arrays up to 40 x 40; default True).
    legend : bool, optional
        Add a colour legend of the ranks (default True).
    **kwargs
        ``figsize``: the figure size in inches (default: from the shape).

    Returns
    -------
    matplotlib.figure.Figure or None
        The figure on rank 0, None elsewhere.  It is not registered with
        pyplot and the matplotlib backend is never changed (show it in a
        notebook by leaving it as a cell's value, or ``fig.savefig``).

    Raises
    ------
    ValueError
        If the array is not 1-d or 2-d.
    ImportError
        On rank 0, if matplotlib is not installed.

    Notes
    -----
    Communication: none (metadata only).

    Examples
    --------
    >>> import numpy_dist as nd
    >>> from mpi4py import MPI
    >>> from numpy_dist.plotting import plot_array_distribution
    >>> fig = plot_array_distribution(nd.zeros((8, 8), dist=("b", "c")))
    >>> (fig is not None) == (MPI.COMM_WORLD.rank == 0)
    True
    """
    owners = owner_map(darray)
    if darray.comm.Get_rank() != 0:
        return None
    # A Figure of our own, not pyplot: the caller's backend (a notebook's) is left alone.
    import matplotlib
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    grid = owners.reshape(1, -1) if owners.ndim == 1 else owners
    nranks = darray.comm.Get_size()
    colours = matplotlib.colormaps["tab20" if nranks > 10 else "tab10"](np.arange(nranks) % (20 if nranks > 10 else 10))
    fig = Figure(figsize=kwargs.pop("figsize", (min(12, 2 + grid.shape[1] * 0.35),
                                                min(9, 1.5 + grid.shape[0] * 0.35))))
    ax = fig.subplots()
    ax.imshow(grid, cmap=ListedColormap(colours), vmin=-0.5, vmax=nranks - 0.5, interpolation="nearest",
              aspect="auto")
    if cell_label and grid.shape[0] <= 40 and grid.shape[1] <= 40:
        for (i, j), r in np.ndenumerate(grid):
            ax.text(j, i, str(r), ha="center", va="center", fontsize=7)
    ax.set_xlabel("axis 1" if owners.ndim == 2 else "axis 0")
    if owners.ndim == 2:
        ax.set_ylabel("axis 0")
    ax.set_title(title or f"{darray.shape} dist={''.join(darray.dist)} grid={darray.grid_shape}")
    if legend:
        ax.legend(handles=[Patch(color=colours[r], label=f"rank {r}") for r in range(nranks)],
                  loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    fig.tight_layout()
    if filename:
        fig.savefig(filename, dpi=100)
    return fig
