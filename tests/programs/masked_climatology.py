"""Climatology of station data with gaps: monthly means, anomalies, spread and extremes of masked data.

Sensors drop out (NaN) and report a sentinel (-999) when broken; both are masked and every statistic
skips them, as numpy.ma does.  The NumPy run uses ``numpy.ma``; the distributed run the same code
with ``numpy_dist.ma`` (chosen by the input's type), with the fallback set to "error".

    mpiexec -n 4 python -m tests.programs.masked_climatology
"""

from __future__ import annotations

import numpy as np

import numpy_dist as nd
from tests.programs._oracle import run_both

YEARS, MONTHS, STATIONS = 9, 12, 7


def _plain(m, ma):
    """A masked result as (data with masked places NaN, mask): what both runs can compare."""
    if m is ma.masked:
        return np.nan, True
    if np.ndim(m) == 0:
        return m, False
    return m.filled(np.nan), ma.getmaskarray(m)


def analysis(temps):
    ma = nd.ma if isinstance(temps, nd.DistArray) else np.ma
    obs = ma.masked_values(ma.masked_invalid(temps), -999.0)
    by_month = obs.reshape(YEARS, MONTHS, STATIONS)
    climatology = by_month.mean(axis=0)                    # (month, station) normals
    anomalies = by_month - climatology                     # broadcast over years
    warm = ma.masked_less_equal(anomalies, 0.0)            # only the warm anomalies
    station_median = ma.median(obs, axis=0)
    with np.errstate(divide="ignore"):  # numpy.ma warns and masks; nd.ma masks
        log_range = np.log(obs.max(axis=0) - obs.min(axis=0))  # masked where a station never varied
    return {
        "climatology": _plain(climatology, ma), "spread": _plain(by_month.std(axis=0, ddof=1), ma),
        "anomaly_mean": _plain(anomalies.mean(axis=(0, 1)), ma), "warm_count": warm.count(),
        "valid_per_station": obs.count(axis=0), "station_median": _plain(station_median, ma),
        "overall": obs.mean(), "overall_median": ma.median(obs), "log_range": _plain(log_range, ma),
        "valid_values": obs.compressed(), "coldest_month": by_month.mean(axis=2).argmin(axis=1),
        "weighted": _plain(ma.average(obs, axis=1, weights=np.arange(1.0, STATIONS + 1)), ma),
        "standardised": _plain(anomalies / by_month.std(axis=0), ma),
    }


def main(layout: str = "b") -> dict:
    rng = np.random.default_rng(22)
    months = np.arange(YEARS * MONTHS)
    seasonal = 10 * np.sin(2 * np.pi * (months % MONTHS) / MONTHS)[:, None]
    temps = 12 + seasonal + rng.normal(0, 2, (YEARS * MONTHS, STATIONS))
    temps[rng.random(temps.shape) < 0.1] = np.nan   # gaps
    temps[rng.random(temps.shape) < 0.03] = -999.0  # broken sensor
    temps[:, 3] = 5.0                               # a station stuck at one value
    temps[MONTHS:2 * MONTHS, 5] = np.nan            # a station down for a year
    return run_both(analysis, {"temps": temps}, lambda a: nd.asarray(a, dist=layout), rtol=1e-9, atol=1e-9)


if __name__ == "__main__":
    for layout in ("b", "c"):
        main(layout)
    nd.print0("masked_climatology: matches NumPy")
