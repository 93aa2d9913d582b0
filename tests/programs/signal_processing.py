"""A 1-d signal pipeline: smoothing, derivatives, windows, interpolation, spectra.

    mpiexec -n 4 python -m tests.programs.signal_processing
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import numpy_dist as nd
from tests.programs._oracle import run_both


def analysis(t, signal, phase):
    kernel = np.hanning(9)
    kernel /= kernel.sum()
    smooth = np.convolve(signal, kernel, mode="same")
    valid = np.convolve(signal, kernel, mode="valid")
    windows = sliding_window_view(signal, 16)
    grid = np.linspace(1.0, 9.0, 50)
    return {
        "smooth": smooth, "valid": valid, "xcorr": np.correlate(signal[:200], kernel, mode="full"),
        "velocity": np.gradient(smooth, t), "window_max": windows.max(axis=-1),
        "window_mean": windows.mean(axis=-1), "resampled": np.interp(grid, t, smooth),
        "energy": np.trapezoid(signal ** 2, t), "unwrapped": np.unwrap(phase),
        "spectrum": np.abs(np.fft.rfft(signal)), "steps": np.diff(signal, n=2),
        "running": np.cumsum(signal) / np.arange(1, signal.size + 1),
        "crossings": np.count_nonzero(np.diff(np.sign(signal))),
    }


def main(layout: str = "b") -> dict:
    rng = np.random.default_rng(11)
    t = np.linspace(0.0, 10.0, 1000)
    signal = np.sin(2 * np.pi * 0.7 * t) + 0.3 * rng.normal(size=t.size)
    phase = np.angle(np.exp(1j * 3.0 * t))
    return run_both(analysis, {"t": t, "signal": signal, "phase": phase}, lambda a: nd.asarray(a, dist=layout),
                    rtol=1e-8, atol=1e-9)


if __name__ == "__main__":
    for layout in ("b", "c"):
        main(layout)
    nd.print0("signal_processing: matches NumPy")
