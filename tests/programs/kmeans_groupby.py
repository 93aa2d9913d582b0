"""Clustering and group-by statistics, as a NumPy user writes them (k-means with np.add.at accumulators).

    mpiexec -n 4 python -m tests.programs.kmeans_groupby
"""

from __future__ import annotations

import numpy as np

import numpy_dist as nd
from tests.programs._oracle import run_both


def analysis(X, k, iterations):
    centers = X[:k] * 1.0
    for _ in range(iterations):
        dist2 = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=-1)
        labels = np.argmin(dist2, axis=1)
        sums = np.zeros((k, X.shape[1]))
        np.add.at(sums, labels, X)  # a small NumPy accumulator, distributed indices and values
        counts = np.bincount(labels, minlength=k)
        centers = sums / np.maximum(counts, 1)[:, None]
    groups, sizes = np.unique(labels, return_counts=True)
    spread = np.zeros(k)
    np.maximum.at(spread, labels, np.sqrt(dist2.min(axis=1)))
    return {
        "centers": centers, "sizes": sizes, "groups": groups, "spread": spread,
        "quartiles": np.percentile(X, [25, 50, 75], axis=0),
        "hist": np.histogram(X[:, 0], bins=8, range=(-4, 4))[0],
        "inertia": np.sum(dist2.min(axis=1)),
    }


def main(layout: str = "b") -> dict:
    rng = np.random.default_rng(7)
    blobs = [rng.normal(c, 0.4, size=(150, 3)) for c in (-2.0, 0.0, 2.5)]
    X = np.concatenate(blobs)[rng.permutation(450)]
    return run_both(analysis, {"X": X, "k": 3, "iterations": 5}, lambda a: nd.asarray(a, dist=layout))


if __name__ == "__main__":
    for layout in ("b", "c"):
        main(layout)
    nd.print0("kmeans_groupby: matches NumPy")
