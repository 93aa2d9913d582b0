#!/usr/bin/env bash
# Run the numpy_dist test suite on 1, 2, 3 and 4 MPI ranks.
#
# The two steps (also the README's test command):
#   1. a virtualenv with the package installed editable plus its test extra;
#   2. python -m numpy_dist.testing [runner options] [pytest args]
# A full run (no arguments) also runs the guides' and docstrings' examples and builds the
# documentation site (scripts/docs.sh).
#
# Environment:
#   NUMPY_DIST_PYTHON  use this interpreter as is (no venv, no install), e.g.
#                      an environment that already has ".[test]" installed
#   NUMPY_DIST_VENV    where to create/reuse the venv (default .ci/venv)
#   PYTHON             interpreter that creates the venv (default python3)
#   NUMPY_DIST_PARALLEL_HDF5=0  skip a final step of a full run: the HDF5 tests
#                      in an MPI-enabled h5py environment (scripts/parallel_hdf5_env.sh,
#                      venv NUMPY_DIST_PHDF5_VENV, default .ci/venv-phdf5)
#   NUMPY_DIST_OPENMPI=0  skip the other final step: tests/core at 2 ranks on Debian's
#                      Open MPI (scripts/openmpi_env.sh, venv NUMPY_DIST_OPENMPI_VENV,
#                      default .ci/venv-openmpi)
# Arguments are passed to python -m numpy_dist.testing (see --help there).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

full=1
if [[ $# -gt 0 || -n "${NUMPY_DIST_PYTHON:-}" || ( "${NUMPY_DIST_PARALLEL_HDF5:-1}" == 0
      && "${NUMPY_DIST_OPENMPI:-1}" == 0 ) ]]; then
    full=0
fi

# The whole suite, then HDF5 through an MPI-enabled h5py (the 'mpio' driver), which needs an
# environment of its own: Debian's MPICH and parallel HDF5, mpi4py and h5py built against them,
# and the core tests on Debian's Open MPI, in a third environment.  Those two environments are
# built in the background at low priority, from the start (while this venv installs) and while the
# single-process steps run (the suite at 1 rank, the documentation site): their apt-get and compiles
# (minutes of one core) take the core those leave idle.
# The multi-rank steps wait for them: MPI ranks poll while they wait for each other, so any other
# busy process slows every collective.  The two builds run at once (their apt-get steps take turns on a
# lock of their own); their output is printed where their tests run.
# Every step runs even when an earlier one failed; the script fails if any did.
phdf5="${NUMPY_DIST_PHDF5_VENV:-.ci/venv-phdf5}"
ompi="${NUMPY_DIST_OPENMPI_VENV:-.ci/venv-openmpi}"
envs_pids=()
if [[ $full == 1 ]]; then
    envs_dir="$(mktemp -d)"
fi
if [[ $full == 1 && "${NUMPY_DIST_PARALLEL_HDF5:-1}" != 0 ]]; then
    (NUMPY_DIST_PHDF5_VENV="$phdf5" nice bash scripts/parallel_hdf5_env.sh > "$envs_dir/phdf5.log" 2>&1 \
        && touch "$envs_dir/phdf5.ok") &
    envs_pids+=($!)
fi
if [[ $full == 1 && "${NUMPY_DIST_OPENMPI:-1}" != 0 ]]; then
    (NUMPY_DIST_OPENMPI_VENV="$ompi" nice bash scripts/openmpi_env.sh > "$envs_dir/openmpi.log" 2>&1 \
        && touch "$envs_dir/openmpi.ok") &
    envs_pids+=($!)
fi
if [[ -n "${NUMPY_DIST_PYTHON:-}" ]]; then
    py="$NUMPY_DIST_PYTHON"
else
    venv="${NUMPY_DIST_VENV:-.ci/venv}"
    if [[ ! -x "$venv/bin/python" ]]; then
        "${PYTHON:-python3}" -m venv "$venv"
    fi
    py="$venv/bin/python"
    "$py" -m pip install --quiet -e ".[test,docs]"
fi

if [[ $full == 0 ]]; then
    exec "$py" -m numpy_dist.testing "$@"
fi

status=0
# The layer contract of docs/architecture.md (pyproject.toml [tool.importlinter]) first: a wrong
# import is reported in seconds, before the ranks start.
"$(dirname "$py")/lint-imports" --no-cache || status=1

"$py" -m numpy_dist.testing --nprocs 1 || status=1
# Every step runs with deferred evaluation on (the default); this one runs the whole suite again with each
# call computed at once (NUMPY_DIST_LAZY=0), at 1 rank, in the time the environment builds leave; but the
# few tests that start MPI jobs of their own (marked own_jobs), which name the mode of each job they start.
NUMPY_DIST_LAZY=0 "$py" -m numpy_dist.testing --nprocs 1 -- -m "not own_jobs" tests array_api_tests || status=1
# The documentation site builds without a warning (scripts/docs.sh; the same venv, already holding
# the docs extra); its examples run next.
NUMPY_DIST_PYTHON="$py" bash scripts/docs.sh || status=1
# The documentation's examples at 1 rank (each rank checks its own output, so the guides print global
# results, the same at every count): every example of the guides, then every docstring example.  They run
# here, on the core the environment builds leave; their 2-rank runs come after the suite.
doctests=(--doctest-glob='*.rst' docs/guides)
doctest_modules=(--doctest-modules numpy_dist)
"$py" -m numpy_dist.testing --nprocs 1 "${doctests[@]}" || status=1
"$py" -m numpy_dist.testing --nprocs 1 "${doctest_modules[@]}" || status=1
wait "${envs_pids[@]}" || true
"$py" -m numpy_dist.testing --nprocs 2,3,4 --wide-nprocs 5,8 || status=1
# The documentation's examples at 2 ranks.
"$py" -m numpy_dist.testing --nprocs 2 "${doctests[@]}" || status=1
"$py" -m numpy_dist.testing --nprocs 2 "${doctest_modules[@]}" || status=1
# The notebook's global view, once, from ONE plain pytest process (never under mpiexec): tests/client
# starts its own ipyparallel clusters of 2 and 4 MPI engines, and the example notebook runs through a
# real Jupyter kernel (nbmake).  The multi-rank runner above does not collect tests/client.
"$py" -m pytest tests/client examples/notebooks --nbmake -q --timeout=300 || status=1
if [[ "${NUMPY_DIST_PARALLEL_HDF5:-1}" != 0 ]]; then
    cat "$envs_dir/phdf5.log" >&2
    if [[ -e "$envs_dir/phdf5.ok" ]]; then
        "$phdf5/bin/python" -m numpy_dist.testing --nprocs 1,2 tests/io/test_hdf5.py || status=1
    else
        echo "test.sh: WARNING: no parallel-HDF5 environment (see above): the mpio tests did not run" >&2
    fi
fi

# The core tests on another MPI, as a cluster runs them: Debian's Open MPI, mpi4py compiled
# against it, numpy_dist without the MPICH wheel; its venv/bin/mpiexec wrapper allows more
# ranks than cores and running as root, which Open MPI refuses by default.
if [[ "${NUMPY_DIST_OPENMPI:-1}" != 0 ]]; then
    cat "$envs_dir/openmpi.log" >&2
    if [[ -e "$envs_dir/openmpi.ok" ]]; then
        "$ompi/bin/python" -m numpy_dist.testing --nprocs 2 tests/core || status=1
    else
        echo "test.sh: WARNING: no Open MPI environment (see above): the Open MPI tests did not run" >&2
    fi
fi
rm -rf "$envs_dir"
exit "$status"
