"""Dense linear algebra on a square distributed matrix: solve, det, inverse, QR, SVD, eigh, cond, powers.

    mpiexec -n 4 python -m tests.programs.linear_algebra
"""

from __future__ import annotations

import numpy as np

import numpy_dist as nd
from tests.programs._oracle import run_both


def analysis(M, b):
    S = M @ M.T + M.shape[0] * np.eye(M.shape[0])  # symmetric positive definite
    x = np.linalg.solve(S, b)
    q, r = np.linalg.qr(M)
    u, s, vh = np.linalg.svd(M)
    w, v = np.linalg.eigh(S)
    T = S.reshape(4, M.shape[0] // 4, M.shape[0])
    return {
        "x": x, "residual": np.linalg.norm(S @ x - b), "det_sign": np.linalg.slogdet(S)[0],
        "logdet": np.linalg.slogdet(S)[1], "qr_ok": np.abs(q @ r - M).max() < 1e-10,
        "r_diag": np.abs(np.diag(r)), "singular": s, "svd_ok": np.abs((u * s) @ vh - M).max() < 1e-10,
        "eigenvalues": w, "eig_ok": np.abs(S @ v - v * w).max() < 1e-8, "cond": np.linalg.cond(S),
        "cond_1": np.linalg.cond(M, 1), "square": np.linalg.matrix_power(S, 2), "inv": np.linalg.inv(S),
        "tensorsolve": np.linalg.tensorsolve(T.reshape(M.shape[0], M.shape[0]), b),
        "trace": np.trace(S), "rank": np.linalg.matrix_rank(M),
    }


def main(layout: str = "b") -> dict:
    rng = np.random.default_rng(2)
    n = 24
    return run_both(analysis, {"M": rng.normal(size=(n, n)), "b": rng.normal(size=n)},
                    lambda a: nd.asarray(a, dist=layout), rtol=1e-7, atol=1e-9)


if __name__ == "__main__":
    for layout in ("b", "c"):
        main(layout)
    nd.print0("linear_algebra: matches NumPy")
