"""Tabular data through text files, with dates and labels: savetxt/loadtxt/genfromtxt, like=, insert/delete,
np.strings and business days.

    mpiexec -n 4 python -m tests.programs.tables_and_text
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

import numpy_dist as nd
from tests.programs._oracle import compare, gathered


def analysis(table, days, names, path, like):
    np.savetxt(path, table, fmt="%.6f", delimiter=",", header="a,b,c")
    back = np.loadtxt(path, delimiter=",", like=like)
    filled = np.genfromtxt(path, delimiter=",", skip_header=1, like=like)
    widened = np.insert(back, 1, np.zeros(back.shape[0]), axis=1)
    trimmed = np.delete(widened, [0, 2], axis=0)
    labels = np.strings.upper(names)
    padded = np.strings.zfill(np.strings.replace(names, "item", "no"), 8)
    start = np.full(days.shape, np.datetime64("2026-01-01"), like=like)
    return {
        "back": back, "filled": filled, "trimmed": trimmed, "col_means": trimmed.mean(axis=0),
        "labels": labels, "padded": padded, "workdays": np.busday_count(start, days),
        "weekday": np.is_busday(days), "iso": np.datetime_as_string(days, unit="D"),
        "grid": np.arange(4.0, like=like) * np.ones((3, 4), like=like),
    }


def main(layout: str = "b") -> dict:
    comm = nd.get_comm()
    directory = comm.bcast(tempfile.mkdtemp(prefix="nd_program_") if comm.rank == 0 else None)
    rng = np.random.default_rng(5)
    table = rng.normal(size=(37, 3))
    days = np.datetime64("2026-01-05") + rng.integers(0, 400, 37).astype("timedelta64[D]")
    names = np.array([f"item{i}" for i in range(37)])
    # (the NumPy run is every rank's own: each writes and reads its own file)
    expected = analysis(table, days, names, os.path.join(directory, f"np{comm.rank}.csv"), None)
    old = nd.set_fallback("error")
    try:
        dist = lambda a: nd.asarray(a, dist=layout)  # noqa: E731
        got = analysis(dist(table), dist(days), dist(names), os.path.join(directory, "nd.csv"), nd.zeros(1))
    finally:
        nd.set_fallback(old)
    got = gathered(got)
    compare("tables_and_text", got, expected)
    comm.Barrier()
    if comm.rank == 0:
        for f in os.listdir(directory):
            os.remove(os.path.join(directory, f))
        os.rmdir(directory)
    return got


if __name__ == "__main__":
    for layout in ("b", "c"):
        main(layout)
    nd.print0("tables_and_text: matches NumPy")
