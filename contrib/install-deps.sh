#!/usr/bin/env bash
# Install everything hpcflow needs to build and test on Debian 12, from Debian's
# own packages. Idempotent and quick when all is there: apt is not touched at
# all unless a package is missing (checked with dpkg-query), so `make check`
# can call it every time, also on machines without network or root.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev python3
  # libraries
  libboost-dev libboost-program-options-dev libboost-filesystem-dev
  libcurl4-openssl-dev libyaml-cpp-dev nlohmann-json3-dev libhdf5-dev libsqlite3-dev sqlite3
  # test frameworks
  libgtest-dev libgmock-dev libbenchmark-dev
  # the end-to-end and example tests read JSON output with jq, and send raw
  # HTTP requests with curl
  jq curl
  # real MPI and a real Slurm cluster for the integration tests
  libopenmpi-dev openmpi-bin slurmctld slurmd slurm-client munge
  # the genomics example (examples/genomics): aligner, SAM/BAM and VCF tools
  bwa samtools bcftools
  # the Python package (python/): bindings built offline with Debian's pybind11
  python3-dev python3-pybind11 pybind11-dev python3-setuptools python3-pip python3-venv
  python3-wheel
  # the packaging test builds the .deb with CPack
  dpkg-dev
  # ps/pgrep/free: minimal images (e.g. Docker's debian:12) lack them
  procps
)

log() { printf 'install-deps: %s\n' "$*" >&2; }

missing=()
for p in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
  [[ "$status" == installed ]] || missing+=("$p")
done

if (( ${#missing[@]} == 0 )); then
  log "all ${#packages[@]} Debian packages already installed"
else
  log "installing: ${missing[*]}"
  sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || { log "error: not root and no sudo; install as root: apt-get install ${missing[*]}"; exit 1; }
    sudo=(sudo)
  fi

  # Packaged daemons (munge, slurmctld, slurmd) would start system-wide
  # instances from their postinst scripts. The tests run their own throwaway
  # cluster instead, so forbid service starts during this install through
  # Debian's policy-rc.d hook, unless the system already has its own policy
  # (Docker images typically do: "exit 101"). Removed again afterwards, even
  # when apt fails.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# Temporary, from hpcflow contrib/install-deps.sh\nexit 101\n' |
      "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 0755 "$policy"
    created_policy=1
    trap '[[ $created_policy == 1 ]] && "${sudo[@]}" rm -f "$policy"' EXIT
  fi

  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"

  if [[ $created_policy == 1 ]]; then
    "${sudo[@]}" rm -f "$policy"
    created_policy=0
  fi

  # Say so if a system daemon got started anyway (e.g. by a non-standard
  # init setup). Not killed: it is the system's, and the test cluster does not
  # use it (its own munged, socket and ports).
  if ps -eo pid=,args= | grep -E '^ *[0-9]+ (/usr/sbin/)?(munged|slurmctld|slurmd)( |$)' | grep -v hpcflow-slurm; then
    log "note: system munge/slurm daemons are running (above); the test cluster ignores them"
  fi
fi

# Node.js is only for the side-by-side benchmark against aws-local-stepfunctions
# (npm). Debian's nodejs package conflicts with the node on the machine image,
# so it is not installed from here.
if ! command -v node >/dev/null 2>&1; then
  log "warning: 'node' not found; the comparison benchmarks against aws-local-stepfunctions will be skipped"
fi
