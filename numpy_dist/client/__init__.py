"""Global view: drive numpy_dist's MPI ranks from a notebook.

``c = nd.client.connect(n=4)`` starts an ipyparallel cluster of 4 MPI
engines (or joins a running one); ``c.asarray``, ``c.zeros``,
``c.random.default_rng`` ... return :class:`RemoteArray` proxies, and NumPy
code written in the notebook on them runs on the engines, where the SPMD
library itself holds the data.  ``c.run(f, r)`` runs an SPMD function there.
"""

from __future__ import annotations

from .api import Client
from .connect import connect
from .errors import EngineDiedError, EngineTimeoutError, RemoteError
from .proxy import RemoteArray, RemoteLayout, RemoteObject

__all__ = ["connect", "Client", "RemoteArray", "RemoteObject", "RemoteLayout", "RemoteError",
           "EngineDiedError", "EngineTimeoutError"]
