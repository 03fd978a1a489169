#!/usr/bin/env bash
# Installs what globaldb needs on Debian. Idempotent; uses sudo when not root.
#
#   install-deps.sh demo   what `make demo` needs: the PostgreSQL 15 server
#                          binaries (postgres, initdb, pg_basebackup, pg_rewind)
#   install-deps.sh [test] what the tests need as well (make test, .ci/run):
#                          psql and dig for the operator scripts, the aws CLI
#                          v2, Chromium for the drill report's screenshot test
set -euo pipefail
what=${1:-test}
case "$what" in
  demo | test) ;;
  *)
    echo "usage: $0 [demo|test]" >&2
    exit 64
    ;;
esac

have_pg() {
  local bindir
  bindir=$(pg_config --bindir 2>/dev/null || true)
  [[ -n "$bindir" && -x "$bindir/postgres" ]] && return 0
  compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null
}

# Debian's awscli package is the aws CLI v2 (/usr/bin/aws); the tests run
# the runbook with every aws CLI on the machine (v1 may come from pip).
pkgs=()
have_pg || pkgs+=(postgresql postgresql-contrib)
if [[ "$what" == test ]]; then
  [[ -x /usr/bin/aws ]] || pkgs+=(awscli)
  command -v psql >/dev/null || pkgs+=(postgresql-client)
  command -v dig >/dev/null || pkgs+=(dnsutils)
  command -v curl >/dev/null || pkgs+=(curl)
  # internal/drill screenshots its HTML report with any of these browsers.
  command -v chromium >/dev/null || command -v chromium-browser >/dev/null ||
    command -v google-chrome >/dev/null || pkgs+=(chromium)
fi
[[ ${#pkgs[@]} -eq 0 ]] && exit 0

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "installing ${pkgs[*]} (apt-get)..." >&2
$SUDO apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
# Debian starts a cluster on 127.0.0.1:5432; globaldb does not need it.
$SUDO pg_ctlcluster --force 15 main stop 2>/dev/null || true
have_pg
