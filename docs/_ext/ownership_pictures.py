"""Draw the ownership pictures of guides/distributions.rst (run by the docs build on 4 ranks).

``mpiexec -n 4 python ownership_pictures.py OUTDIR``: each picture is
``numpy_dist.plotting.plot_array_distribution`` of a real 4-rank DistArray
(metadata only; rank 0 writes the PNG).
"""

import sys

import numpy_dist as nd
from numpy_dist.plotting import plot_array_distribution

# name -> (array, title)
PICTURES = {
    "block_1d": lambda: nd.zeros(16, dist="b"),
    "cyclic_1d": lambda: nd.zeros(16, dist="c"),
    "block_cyclic_1d": lambda: nd.empty(16, dist=nd.Distribution.from_global_dim_data(None, [
        {"dist_type": "c", "size": 16, "proc_grid_size": 4, "block_size": 2}])),
    "rows": lambda: nd.zeros((8, 8), dist=("b", "n")),
    "grid_2x2": lambda: nd.zeros((8, 8), dist=("b", "b")),
    "block_cyclic_2d": lambda: nd.zeros((8, 8), dist=("b", "c")),
}


def main(outdir: str) -> None:
    for name, make in PICTURES.items():
        plot_array_distribution(make(), f"{outdir}/{name}.png")


if __name__ == "__main__":
    main(sys.argv[1])
