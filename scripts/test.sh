#!/usr/bin/env bash
# Run the numpy_dist test suite on 1, 2, 3 and 4 MPI ranks.
#
# The two steps (also the README's test command):
#   1. a virtualenv with the package installed editable plus its test extra;
#   2. python -m numpy_dist.testing [runner options] [pytest args]
#
# Environment:
#   NUMPY_DIST_PYTHON  use this interpreter as is (no venv, no install), e.g.
#                      an environment that already has ".[test]" installed
#   NUMPY_DIST_VENV    where to create/reuse the venv (default .ci/venv)
#   PYTHON             interpreter that creates the venv (default python3)
# Arguments are passed to python -m numpy_dist.testing (see --help there).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -n "${NUMPY_DIST_PYTHON:-}" ]]; then
    py="$NUMPY_DIST_PYTHON"
else
    venv="${NUMPY_DIST_VENV:-.ci/venv}"
    if [[ ! -x "$venv/bin/python" ]]; then
        "${PYTHON:-python3}" -m venv "$venv"
    fi
    py="$venv/bin/python"
    "$py" -m pip install --quiet -e ".[test]"
fi

exec "$py" -m numpy_dist.testing "$@"
