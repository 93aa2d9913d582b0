"""A table of measurements as a structured array: sort by time, group by station, derive fields, save and load.

    mpiexec -n 4 python -m tests.programs.records_program
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import numpy.lib.recfunctions as rfn

import numpy_dist as nd
from tests.programs._oracle import compare, gathered

MEASUREMENT = np.dtype([("time", "M8[s]"), ("station", "i4"), ("value", "f8"), ("flag", "S4")])


def analysis(table, path, save, load):
    by_time = np.sort(table, order="time")
    order = np.argsort(table, order=["station", "time"], kind="stable")
    stations, group = np.unique(by_time["station"], return_inverse=True)
    counts = np.bincount(group)
    means = np.bincount(group, weights=by_time["value"]) / counts
    flagged = by_time[np.isin(by_time["flag"], [b"bad"])]  # (d == b"bad" is not native yet: bytes operands)
    days, per_day = np.unique(by_time["time"].astype("M8[D]"), return_counts=True)
    centred = rfn.append_fields(by_time[["time", "station"]], "centred", by_time["value"] - np.take(means, group),
                                usemask=False)
    by_time["value"] = np.round(by_time["value"], 3)  # field assignment writes through
    save(path, by_time)
    back = load(path)
    return {
        "by_time": by_time, "order": order, "stations": stations, "counts": counts, "means": means,
        "flagged_stations": np.unique(flagged["station"]), "days": days, "per_day": per_day,
        "span": np.max(table["time"]) - np.min(table["time"]), "first": np.min(table["time"]),
        "centred": centred, "as_matrix": rfn.structured_to_unstructured(back[["station", "value"]]),
        "back_equal": back["time"] == by_time["time"], "back_values": back["value"],
        "workdays": np.count_nonzero(np.is_busday(back["time"].astype("M8[D]"))),
    }


def measurements(n: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    table = np.zeros(n, MEASUREMENT)
    table["time"] = np.datetime64("2026-03-01T00:00:00") + rng.integers(0, 20 * 86400, n).astype("m8[s]")
    table["station"] = rng.integers(100, 108, n)
    table["value"] = rng.normal(10.0, 3.0, n)
    table["flag"] = rng.choice([b"ok", b"bad", b"ok"], n)
    return table


def main(layout: str = "b") -> dict:
    comm = nd.get_comm()
    directory = comm.bcast(tempfile.mkdtemp(prefix="nd_program_") if comm.rank == 0 else None)
    table = measurements(211)
    # (the NumPy run is every rank's own: each writes and reads its own file)
    expected = analysis(table.copy(), os.path.join(directory, f"np{comm.rank}.npy"), np.save, np.load)
    old = nd.set_fallback("error")
    try:
        got = analysis(nd.asarray(table, dist=layout), os.path.join(directory, "nd.npy"), nd.save, nd.load)
    finally:
        nd.set_fallback(old)
    got = gathered(got)
    compare("records_program", got, expected)
    comm.Barrier()
    if comm.rank == 0:
        for f in os.listdir(directory):
            os.remove(os.path.join(directory, f))
        os.rmdir(directory)
    return got


if __name__ == "__main__":
    for layout in ("b", "c"):
        main(layout)
    nd.print0("records_program: matches NumPy")
