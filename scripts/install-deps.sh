#!/usr/bin/env bash
# Installs what globaldb's demo and tests need on Debian: the PostgreSQL 15
# server binaries (postgres, initdb, pg_basebackup, pg_rewind). Idempotent;
# uses sudo when not root.
set -euo pipefail

have_pg() {
  local bindir
  bindir=$(pg_config --bindir 2>/dev/null || true)
  [[ -n "$bindir" && -x "$bindir/postgres" ]] && return 0
  compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null
}

if have_pg; then
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "installing PostgreSQL server (apt-get)..." >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql postgresql-contrib >/dev/null
# Debian starts a cluster on 127.0.0.1:5432; globaldb does not need it.
$SUDO pg_ctlcluster --force 15 main stop 2>/dev/null || true
have_pg
