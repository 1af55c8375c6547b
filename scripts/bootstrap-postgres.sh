#!/usr/bin/env bash
# PostgreSQL server binaries for the storage tests, from Debian packages. Idempotent and quiet:
# does nothing when initdb is already there; needs root (or sudo) only when it is missing.
# The tests start their own throwaway cluster (tests/issuer/conftest.py); the system cluster
# the package may create is not used.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  exit 0
fi
echo "==> apt-get install postgresql"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || { echo "postgresql installed but no initdb found" >&2; exit 1; }
