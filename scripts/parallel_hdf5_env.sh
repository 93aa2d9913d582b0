#!/usr/bin/env bash
# Build a virtualenv whose h5py is MPI-enabled (parallel HDF5, the 'mpio'
# driver), so that numpy_dist/io/hdf5.py's parallel branch can be tested.
#
# One MPI stack only, Debian's MPICH: mixing two MPI libraries in one process
# does not work, so this venv has neither the PyPI 'mpich' wheel nor the h5py
# wheel (whose HDF5 is serial).
#   - apt: libhdf5-mpich-dev (HDF5 1.10, parallel, built on Debian's MPICH),
#     which brings mpich / libmpich-dev (mpicc.mpich, mpiexec.mpich);
#   - pip, from source against that stack: mpi4py (MPICC=mpicc.mpich) and
#     h5py (HDF5_MPI=ON, CC=mpicc.mpich, HDF5 from pkg-config 'hdf5-mpich');
#   - numpy_dist editable, with the test extra's tools but not 'mpich'/'h5py';
#   - $venv/bin/mpiexec, a wrapper around mpiexec.mpich, which
#     numpy_dist.testing's runner takes first (next to the interpreter).
#
# Cost: apt ~10 s; compiling mpi4py and h5py ~4 min of CPU (one core); the
# whole script took 12.5 min wall on a 2-core machine shared with other
# jobs (load 6-10); on an idle one expect about 5 min (estimate).
#
# Idempotent: a venv that already has an MPI-enabled h5py on this MPICH is
# kept (only numpy_dist is reinstalled editable from this checkout).
#
# Usage:   bash scripts/parallel_hdf5_env.sh            # venv in .ci/venv-phdf5
#          NUMPY_DIST_PHDF5_VENV=/work/venv-phdf5 bash scripts/parallel_hdf5_env.sh
# Then:    NUMPY_DIST_PYTHON=<venv>/bin/python bash scripts/test.sh --nprocs 2,3 tests/io/test_hdf5.py
#
# Environment: NUMPY_DIST_PHDF5_VENV (venv path; relative to the repo root),
# PYTHON (interpreter that creates it, default python3).  Needs root (or
# sudo) for apt-get.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"
venv="${NUMPY_DIST_PHDF5_VENV:-.ci/venv-phdf5}"
py="$venv/bin/python"
pipq=(--quiet --disable-pip-version-check)

log() { printf 'parallel_hdf5_env: %s\n' "$*"; }
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

# --- 1. Debian packages: parallel HDF5 on MPICH --------------------------
apt_pkgs=(libhdf5-mpich-dev mpich pkg-config)
# One apt-get at a time: scripts/test.sh builds the two MPI environments at once, and dpkg takes one
# lock (apt-get fails at once on a held lock); the check of what is missing is made under it too.
exec {apt_lock}>"${TMPDIR:-/tmp}/numpy_dist-apt.lock"
flock "$apt_lock"
missing=()
for p in "${apt_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
flock -u "$apt_lock"

mpicc=/usr/bin/mpicc.mpich
mpiexec=/usr/bin/mpiexec.mpich
for f in "$mpicc" "$mpiexec"; do
    [[ -x "$f" ]] || { log "missing $f after installing libhdf5-mpich-dev"; exit 1; }
done
pkg-config --exists hdf5-mpich || { log "pkg-config has no hdf5-mpich"; exit 1; }
# h5py reads the include/library dirs from this .pc file (HDF5_PKGCONFIG_NAME).
hdf5_incdir="$(pkg-config --cflags-only-I hdf5-mpich | tr ' ' '\n' | sed -n 's/^-I//p' | head -n1)"
[[ -f "$hdf5_incdir/H5FDmpio.h" ]] || { log "hdf5-mpich has no parallel HDF5 headers"; exit 1; }

# --- 2. the venv ----------------------------------------------------------
if [[ ! -x "$py" ]]; then
    log "creating $venv"
    quiet "${PYTHON:-python3}" -m venv "$venv"
    quiet "$py" -m pip install "${pipq[@]}" --upgrade pip
fi

have_parallel_h5py() {
    "$py" - <<'EOF' 2>/dev/null
import sys
import h5py, mpi4py
from mpi4py import MPI
ok = h5py.get_config().mpi and "MPICH" in MPI.Get_library_version()
sys.exit(0 if ok else 1)
EOF
}

if have_parallel_h5py; then
    log "$venv already has an MPI-enabled h5py"
else
    # A test environment: -O1 without debug info compiles mpi4py's and
    # h5py's large generated C files in about half the time of -O3 -g.
    cflags="${CFLAGS:-} -O1 -g0"
    # Built from source, never from a cached wheel: the cache key does not
    # include HDF5_MPI / MPICC, so a cached serial build could come back.
    quiet "$py" -m pip install "${pipq[@]}" "numpy>=2"
    log "building mpi4py against $mpicc"
    MPICC="$mpicc" CFLAGS="$cflags" quiet nice "$py" -m pip install "${pipq[@]}" --no-cache-dir --force-reinstall \
        --no-deps --no-binary=mpi4py "mpi4py>=4"
    # h5py's build backend would build a second, pinned mpi4py in an isolated
    # build env; build against the one above instead (its build requirements
    # installed here, H5PY_SETUP_REQUIRES=0, no build isolation).
    quiet "$py" -m pip install "${pipq[@]}" "Cython>=3,<4" "packaging>=23" "pkgconfig>=1.5.5" "setuptools>=77"
    log "building h5py against parallel HDF5 (pkg-config hdf5-mpich, $hdf5_incdir)"
    CC="$mpicc" CFLAGS="$cflags" HDF5_MPI=ON HDF5_PKGCONFIG_NAME=hdf5-mpich H5PY_SETUP_REQUIRES=0 \
        quiet nice "$py" -m pip install "${pipq[@]}" --no-cache-dir --force-reinstall --no-deps \
        --no-build-isolation --no-binary=h5py h5py
    have_parallel_h5py || { log "h5py in $venv is not MPI-enabled"; exit 1; }
fi

# --- 3. numpy_dist and the test tools (the test extra less mpich and h5py) --
quiet "$py" -m pip install "${pipq[@]}" --no-deps -e "$repo"
quiet "$py" -m pip install "${pipq[@]}" "numpy>=2" "array-api-compat>=1.9" \
    "pytest>=7" "pytest-timeout>=2.1" "hypothesis>=6.100" "array-api-strict>=2.2"
if "$py" -m pip show --quiet mpich >/dev/null 2>&1; then
    log "the PyPI 'mpich' wheel is in $venv: a second MPI library; remove it"
    exit 1
fi

# --- 4. the launcher the test runner finds first ---------------------------
# A wrapper, not a symlink: hydra looks for hydra_pmi_proxy next to argv[0].
rm -f "$venv/bin/mpiexec"
printf '#!/bin/sh\n# Debian MPICH launcher (see scripts/parallel_hdf5_env.sh)\nexec %s "$@"\n' "$mpiexec" \
    > "$venv/bin/mpiexec"
chmod +x "$venv/bin/mpiexec"

"$py" - <<'EOF'
import h5py
from mpi4py import MPI
print(f"parallel_hdf5_env: ok: h5py {h5py.__version__} (HDF5 {h5py.version.hdf5_version}, mpi="
      f"{h5py.get_config().mpi}), {MPI.Get_library_version().splitlines()[0].strip()}")
EOF
