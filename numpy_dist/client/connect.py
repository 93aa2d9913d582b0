"""``nd.client.connect``: start or join an ipyparallel cluster of MPI engines."""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path
from typing import Any

from .api import Client
from .session import Session

__all__ = ["connect", "find_mpiexec"]


def find_mpiexec() -> str:
    """The ``mpiexec`` of this interpreter's environment (the ``mpich`` wheel's), else the one on PATH."""
    beside = Path(sys.executable).parent / "mpiexec"
    if beside.is_file():
        return str(beside)
    found = shutil.which("mpiexec")
    if found is None:
        raise RuntimeError(f"no mpiexec next to {sys.executable} or on PATH: pip install mpich, "
                           "or load your cluster's MPI")
    return found


def _start(n: int, mpiexec: str | None, engine_env: dict[str, str], start_timeout: int) -> tuple[Any, Any]:
    import ipyparallel as ipp
    from traitlets.config import Config

    config = Config()
    config.MPILauncher.mpi_cmd = [mpiexec or find_mpiexec()]
    config.MPIEngineSetLauncher.environment = dict(engine_env)
    cluster = ipp.Cluster(engines="mpi", n=n, config=config, log_level=logging.WARNING,
                          engine_timeout=start_timeout)
    try:
        rc = cluster.start_and_connect_sync()
    except BaseException:
        cluster.stop_cluster_sync()
        raise
    return cluster, rc


def connect(n: int | None = None, *, profile: str | None = None, cluster_id: str | None = None,
            url_file: str | None = None, timeout: float = 120.0, watchdog: float | None = 60.0,
            mpiexec: str | None = None, start_timeout: int = 120) -> Client:
    """A client of a cluster of MPI engines running numpy_dist.

    Parameters
    ----------
    n : int, optional
        Start a cluster of ``n`` MPI engines (``mpiexec -n n`` of this environment);
        :meth:`Client.close` (or leaving a ``with`` block) stops it.
    profile, cluster_id : str, optional
        Join a running cluster (``ipcluster start --engines=mpi``, a batch job ...).
    url_file : str, optional
        Join the cluster whose ``ipcontroller-client.json`` this is.
    timeout : float
        Seconds the notebook waits for an answer before raising ``EngineTimeoutError`` (0: no limit).
    watchdog : float or None
        For a cluster started here: ``NUMPY_DIST_TIMEOUT`` of the engines, so a rank blocked in one
        collective ends the MPI job, which the notebook reports as ``EngineDiedError``.
    mpiexec : str, optional
        The launcher (default: next to ``sys.executable``, then PATH).
    start_timeout : int
        Seconds to wait for a started cluster's engines, or for a joined
        cluster's controller and first engine (default 120).

    Returns
    -------
    Client
        The client; use it as a context manager, or call :meth:`Client.close`.

    Raises
    ------
    TypeError
        If both ``n`` and a cluster to join are given, or neither.
    ValueError
        If ``n`` is less than 1.
    RuntimeError
        If no ``mpiexec`` is found to start a cluster.
    TimeoutError
        If the engines do not come up within ``start_timeout`` (ipyparallel's).

    See Also
    --------
    Client

    Notes
    -----
    Communication: starting or joining the cluster; each later operation
    is one message from the notebook to every engine.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> c = nd.client.connect(n=4)                  # doctest: +SKIP
    >>> r = c.asarray(np.arange(10.0))              # doctest: +SKIP
    >>> float(np.sum(r)), c.nprocs                  # doctest: +SKIP
    (45.0, 4)
    >>> c.close()                                   # doctest: +SKIP
    """
    joining = profile is not None or cluster_id is not None or url_file is not None
    if n is not None and joining:
        raise TypeError("connect() takes n= to start a cluster, or profile/cluster_id/url_file to join one, not both")
    if n is None and not joining:
        raise TypeError("connect() needs n= (start n MPI engines) or profile=/cluster_id=/url_file= (join a cluster)")
    if n is not None:
        if int(n) < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        env = {"NUMPY_DIST_TIMEOUT": f"{watchdog:g}"} if watchdog else {}
        cluster, rc = _start(int(n), mpiexec, env, start_timeout)
        try:
            return Client(Session(rc, cluster, timeout))
        except BaseException:
            rc.close()
            cluster.stop_cluster_sync()
            raise
    import ipyparallel as ipp

    if url_file is not None:
        rc = ipp.Client(url_file, timeout=start_timeout)  # the connection file (ipcontroller-<id>-client.json)
    else:
        rc = ipp.Client(profile=profile or "default", cluster_id=cluster_id or "", timeout=start_timeout)
    if not rc.ids:
        rc.wait_for_engines(1, timeout=start_timeout)
    return Client(Session(rc, None, timeout))
