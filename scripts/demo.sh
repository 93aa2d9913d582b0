#!/usr/bin/env bash
# Install numpy_dist with the MPICH runtime wheel into .venv and run the demo on 4 ranks.
# (The README's demo command.)  Extra arguments go to the demo, e.g. --rows 4000.
#   NUMPY_DIST_NPROCS  number of ranks (default 4)
#   NUMPY_DIST_VENV    where to create/reuse the venv (default .venv)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv="${NUMPY_DIST_VENV:-.venv}"
if [[ ! -x "$venv/bin/python" ]]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet ".[mpich,plot]"
exec "$venv/bin/mpiexec" -n "${NUMPY_DIST_NPROCS:-4}" "$venv/bin/python" -m numpy_dist.demo "$@"
