#!/usr/bin/env bash
# Build the documentation site into docs/_build/html, warnings as errors.
#
# The two steps (as scripts/test.sh):
#   1. a virtualenv with the package installed editable plus its docs extra;
#   2. sphinx-build -W --keep-going docs docs/_build/html
# The build itself runs numpy_dist: the API pages come from the modules' __all__, the
# coverage table from nd.coverage(), the ownership pictures from 4 real MPI ranks.
#
# Environment:
#   NUMPY_DIST_PYTHON  use this interpreter as is (no venv, no install)
#   NUMPY_DIST_VENV    where to create/reuse the venv (default .ci/venv)
#   PYTHON             interpreter that creates the venv (default python3)
# Arguments are passed to sphinx-build (e.g. -E to rebuild every page).
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
    "$py" -m pip install --quiet -e ".[docs]"
fi

# -W: a warning fails the build; --keep-going: after listing all of them.
exec "$py" -m sphinx -W --keep-going -q -b html "$@" docs docs/_build/html
