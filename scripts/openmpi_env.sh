#!/usr/bin/env bash
# Build a virtualenv on Debian's Open MPI, so that the core tests also run on
# an MPI other than the MPICH wheel (what a cluster's own MPI looks like to
# numpy_dist: mpi4py on the site's library, no 'mpich' extra).
#
# One MPI stack only: mixing two MPI libraries in one process does not work,
# so this venv has no PyPI 'mpich' wheel.
#   - apt: libopenmpi-dev openmpi-bin (Open MPI 4.1 on bookworm; mpicc.openmpi,
#     mpiexec.openmpi; the MPICH of the parallel-HDF5 environment stays);
#   - pip: mpi4py's binary wheel, which loads that library (compiled with
#     MPICC=mpicc.openmpi where the wheel does not install);
#   - numpy_dist editable, with the test extra's tools but not 'mpich';
#   - $venv/bin/mpiexec, a wrapper around mpiexec.openmpi, which
#     numpy_dist.testing's runner takes first (next to the interpreter).  It
#     allows more ranks than cores (--oversubscribe) and, in a container that
#     runs as root, running as root (Open MPI refuses both by default).
#
# Cost: see docs/scaling.md ("Open MPI in CI") for the measured times.
#
# Idempotent: a venv whose mpi4py already runs on Open MPI is kept (only
# numpy_dist is reinstalled editable from this checkout).
#
# Usage:   bash scripts/openmpi_env.sh                  # venv in .ci/venv-openmpi
#          NUMPY_DIST_OPENMPI_VENV=/work/venv-ompi bash scripts/openmpi_env.sh
# Then:    <venv>/bin/python -m numpy_dist.testing --nprocs 2 tests/core
#
# Environment: NUMPY_DIST_OPENMPI_VENV (venv path; relative to the repo root),
# PYTHON (interpreter that creates it, default python3).  Needs root (or
# sudo) for apt-get.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"
venv="${NUMPY_DIST_OPENMPI_VENV:-.ci/venv-openmpi}"
py="$venv/bin/python"
pipq=(--quiet --disable-pip-version-check)

log() { printf 'openmpi_env: %s\n' "$*"; }
# Run a command with its output kept aside; show it only if the command fails.
quiet() {
    local out
    out="$(mktemp)"
    if ! "$@" >"$out" 2>&1; then
        cat "$out" >&2
        rm -f "$out"
        log "failed: $*"
        return 1
    fi
    rm -f "$out"
}

# --- 1. Debian packages: Open MPI -----------------------------------------
apt_pkgs=(libopenmpi-dev openmpi-bin)
# One apt-get at a time: scripts/test.sh builds the two MPI environments at once, and dpkg takes one
# lock (apt-get fails at once on a held lock); the check of what is missing is made under it too.
exec {apt_lock}>"${TMPDIR:-/tmp}/numpy_dist-apt.lock"
flock "$apt_lock"
missing=()
for p in "${apt_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's alternatives would make Open MPI the system's mpicc/mpiexec (it has the higher
# priority); the machine's default MPI is left as it was (this script uses the suffixed names).
alternative() { update-alternatives --query "$1" 2>/dev/null | sed -n 's/^Value: //p'; }
if ((${#missing[@]})); then
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    before_mpi="$(alternative mpi)" before_mpirun="$(alternative mpirun)"
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [[ -z "$before_mpi" ]] || $sudo update-alternatives --quiet --set mpi "$before_mpi"
    [[ -z "$before_mpirun" ]] || $sudo update-alternatives --quiet --set mpirun "$before_mpirun"
fi
flock -u "$apt_lock"

# The implementation-suffixed names: /usr/bin/mpicc and mpiexec are
# alternatives that may point at MPICH.
mpicc=/usr/bin/mpicc.openmpi
mpiexec=/usr/bin/mpiexec.openmpi
for f in "$mpicc" "$mpiexec"; do
    [[ -x "$f" ]] || { log "missing $f after installing ${apt_pkgs[*]}"; exit 1; }
done

# --- 2. the venv ----------------------------------------------------------
if [[ ! -x "$py" ]]; then
    log "creating $venv"
    quiet "${PYTHON:-python3}" -m venv "$venv"
    quiet "$py" -m pip install "${pipq[@]}" --upgrade pip
fi

have_openmpi_mpi4py() {
    "$py" - <<'PY' 2>/dev/null
import sys
from mpi4py import MPI
sys.exit(0 if "Open MPI" in MPI.Get_library_version() else 1)
PY
}

if have_openmpi_mpi4py; then
    log "$venv already has an mpi4py on Open MPI"
else
    # mpi4py's binary wheel (4.1+) carries a build for each MPI ABI and loads the one whose library it
    # finds: Debian's libmpi.so.40 here.  Seconds, where compiling takes minutes of a core the multi-rank
    # steps of scripts/test.sh wait for.  Compiled against $mpicc only where no such wheel installs.
    log "installing mpi4py's wheel on Open MPI"
    quiet "$py" -m pip install "${pipq[@]}" --force-reinstall --no-deps --only-binary=mpi4py "mpi4py>=4.1" || true
    if ! have_openmpi_mpi4py; then
        # A test environment: -O1 without debug info compiles mpi4py's large
        # generated C file in about half the time of -O3 -g.  Built from
        # source, never from a cached wheel (the cache key does not include MPICC).
        log "building mpi4py against $mpicc"
        MPICC="$mpicc" CFLAGS="${CFLAGS:-} -O1 -g0" quiet nice "$py" -m pip install "${pipq[@]}" --no-cache-dir \
            --force-reinstall --no-deps --no-binary=mpi4py "mpi4py>=4"
    fi
    have_openmpi_mpi4py || { log "mpi4py in $venv does not run on Open MPI"; exit 1; }
fi

# --- 3. numpy_dist and the test tools (the test extra less mpich) ---------
quiet "$py" -m pip install "${pipq[@]}" --no-deps -e "$repo"
quiet "$py" -m pip install "${pipq[@]}" "numpy>=2" "array-api-compat>=1.9" \
    "pytest>=7" "pytest-timeout>=2.1" "hypothesis>=6.100" "array-api-strict>=2.2"
if "$py" -m pip show --quiet mpich >/dev/null 2>&1; then
    log "the PyPI 'mpich' wheel is in $venv: a second MPI library; remove it"
    exit 1
fi

# --- 4. the launcher the test runner finds first ---------------------------
# More ranks than cores are the point of the tests (oversubscribe); a CI
# container runs as root, which Open MPI refuses unless told twice.  The
# shared-memory transport's single-copy mode needs ptrace rights that
# containers usually lack, so it is switched off (plain copies instead).
rm -f "$venv/bin/mpiexec"
cat > "$venv/bin/mpiexec" <<WRAP
#!/bin/sh
# Debian Open MPI launcher (see scripts/openmpi_env.sh)
export OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
if [ "\$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
exec $mpiexec "\$@"
WRAP
chmod +x "$venv/bin/mpiexec"

"$venv/bin/mpiexec" -n 2 "$py" -c '
from mpi4py import MPI
c = MPI.COMM_WORLD
assert c.allreduce(1) == c.size == 2
if c.rank == 0:
    print("openmpi_env: ok:", MPI.Get_library_version().splitlines()[0].strip())
'
