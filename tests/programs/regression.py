"""Curve fitting and least squares on distributed samples: polyfit, lstsq, pinv, cov, corrcoef, vander.

    mpiexec -n 4 python -m tests.programs.regression
"""

from __future__ import annotations

import numpy as np

import numpy_dist as nd
from tests.programs._oracle import run_both


def analysis(x, y, noise):
    coef = np.polyfit(x, y, 3)
    fitted = np.polyval(coef, x)
    A = np.vander(x, 4)
    beta, residuals, rank, sv = np.linalg.lstsq(A, y, rcond=None)
    AtA_inv = np.linalg.inv(A.T @ A)
    features = np.stack([x, y, noise], axis=1)
    return {
        "coef": coef, "rms": np.sqrt(np.mean((y - fitted) ** 2)), "beta": beta, "rank": rank, "sv": sv,
        "residuals": residuals, "stderr": np.sqrt(np.diag(AtA_inv)), "pinv_beta": np.linalg.pinv(A) @ y,
        "cov": np.cov(features, rowvar=False), "corr": np.corrcoef(x, y),
        "deriv": np.polyval(np.polyder(coef), x[:5]), "area": np.polyval(np.polyint(coef), 1.0),
    }


def main(layout: str = "b") -> dict:
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(-1, 1, 401))
    noise = rng.normal(0, 0.05, x.size)
    y = 0.5 * x ** 3 - x + 0.25 + noise
    return run_both(analysis, {"x": x, "y": y, "noise": noise}, lambda a: nd.asarray(a, dist=layout),
                    rtol=1e-7, atol=1e-10)


if __name__ == "__main__":
    for layout in ("b", "c"):
        main(layout)
    nd.print0("regression: matches NumPy")
