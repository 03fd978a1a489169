#!/usr/bin/env bash
# test-failover.sh: rehearse losing the primary region of the stack that
# create-aurora-global.sh built, and time each stage.
#
#  1. write a canary row in the primary (writer endpoint), time until the
#     secondary's reader endpoint shows it (replication lag);
#  2. stage the failure (FAILURE_MODE): "outage", the default on the globaldb
#     emulator (AWS_ENDPOINT_URL set): `globaldb fault region-outage --region
#     $PRIMARY_REGION`; "switchover", the default on AWS, which cannot be told
#     to lose a region: a managed switchover to the secondary (aws CLIs from
#     before August 2023 lack switchover-global-cluster: then
#     failover-global-cluster without --allow-data-loss, the same thing);
#  3. watch writer.${ZONE_NAME} until Route 53 answers the secondary's
#     cluster endpoint (health check interval x threshold);
#  4. fail over: for an outage `aws rds failover-global-cluster
#     --allow-data-loss`, called in the secondary region (the primary's API is
#     down; CLIs without --allow-data-loss detach and promote the secondary
#     instead, which does not fence the old primary); for a switchover the
#     call of step 2; then poll until the secondary writes;
#  5. write through writer.${ZONE_NAME} and read it back (with the canary of
#     step 1); clear the fault (the old primary comes back fenced and rejoins
#     as a secondary).
# Exits non-zero on any failure; the timings table is printed at the end.
# Runs once per direction: it expects the writer in PRIMARY_REGION.
#
# Environment (defaults in brackets), the same as create-aurora-global.sh:
#   PRIMARY_REGION [ap-southeast-1]  SECONDARY_REGION [ap-southeast-2]  STACK [gdbscript]
#   MASTER_USER [postgres]  MASTER_PASSWORD or MASTER_PASSWORD_FILE (required; never printed)
#   DB_NAME [postgres]  DB_PORT [5432]  ZONE_NAME [${STACK}.globaldb.example.com]
#   AWS_CLI [aws]  AWS_ENDPOINT_URL (emulator)  GLOBALDB (emulator only: injects the
#   fault) [this checkout's bin/globaldb on the emulator, else globaldb on PATH]
#   POLL_INTERVAL, POLL_TIMEOUT [15 s, 3600 s; emulator 1 s, 300 s]
#   DNS_SERVER host[:port] that dig asks [on a globaldb emulator the DNS server it
#   announces; else the system resolver]; on AWS, while the zone is not
#   delegated, one of its name servers. psql connects to the address found.
#   PGSSLMODE [verify-full]  PGSSLROOTCERT (the RDS CA bundle; unset: downloaded from the
#   emulator, or AWS's global-bundle.pem from truststore.pki.rds.amazonaws.com)
#   CANARY_TABLE [globaldb_script_canary]  FAILURE_MODE [outage on the emulator, else switchover]
#   DNS_POLL_INTERVAL, DNS_TIMEOUT        the DNS watch [5 s, 900 s; emulator 0.2 s, 120 s]
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${CANARY_TABLE:=globaldb_script_canary}"
if [[ -n "$AWS_ENDPOINT_URL" ]]; then
  : "${DNS_POLL_INTERVAL:=0.2}" "${DNS_TIMEOUT:=120}"
else
  : "${DNS_POLL_INTERVAL:=5}" "${DNS_TIMEOUT:=900}"
fi
FAULT_ID=""
emulator() { [[ -n "$AWS_ENDPOINT_URL" ]]; }
if [[ -z "${FAILURE_MODE:-}" ]]; then
  FAILURE_MODE=switchover
  emulator && FAILURE_MODE=outage
fi
case "$FAILURE_MODE" in
  outage) PROMOTION="failover-global-cluster --allow-data-loss" ;;
  switchover) PROMOTION="managed switchover" ;;
  *) die "FAILURE_MODE=$FAILURE_MODE: want outage (emulator only) or switchover" ;;
esac
[[ "$FAILURE_MODE" != outage ]] || emulator || die "FAILURE_MODE=outage needs the globaldb emulator (AWS_ENDPOINT_URL)"

# clear_fault removes the outage this run injected (also on exit by error).
clear_fault() {
  [[ -n "$FAULT_ID" ]] || return 0
  run "$GLOBALDB" fault clear "$FAULT_ID" --endpoint-url "$AWS_ENDPOINT_URL" >&2
  FAULT_ID=""
}
trap 'clear_fault || true; remove_bundle' EXIT

# --- stages ------------------------------------------------------------------

discover() {
  step "discover the stack"
  local writer
  writer=$(global_writer_arn "$PRIMARY_REGION")
  [[ -n "$writer" ]] || die "global cluster $GLOBAL_ID has no writer (run create-aurora-global.sh first)"
  [[ "$(arn_region "$writer")" == "$PRIMARY_REGION" && "$(arn_name "$writer")" == "$PRIMARY_CLUSTER" ]] ||
    die "the writer is $writer, not $PRIMARY_CLUSTER in $PRIMARY_REGION: this test runs once per direction (run cleanup.sh and create-aurora-global.sh to start again)"
  local p s
  p=$(cluster_field "$PRIMARY_REGION" "$PRIMARY_CLUSTER" "[Endpoint,Status]")
  s=$(cluster_field "$SECONDARY_REGION" "$SECONDARY_CLUSTER" "[Endpoint,ReaderEndpoint,DBClusterArn,Status]")
  read -r PRIMARY_ENDPOINT p_status <<<"$p"
  read -r SECONDARY_ENDPOINT SECONDARY_READER SECONDARY_ARN s_status <<<"$s"
  [[ "$p_status" == available && "$s_status" == available ]] ||
    die "clusters not available: $PRIMARY_CLUSTER $p_status, $SECONDARY_CLUSTER $s_status"
  log "primary writer $PRIMARY_ENDPOINT; secondary reader $SECONDARY_READER"
}

# resolve NAME: "ENDPOINT ADDRESS", the RDS endpoint name TLS verifies and
# the address psql connects to (psql cannot use DNS_SERVER itself).
resolve() {
  local target
  target=$(db_target "$1") || die "$1 does not resolve${DNS_SERVER:+ at $DNS_SERVER} to an RDS endpoint"
  log "resolved $1 -> $target"
  printf '%s\n' "$target"
}

table_visible() {
  local v
  v=$(sql "$1" "SELECT to_regclass('$CANARY_TABLE') IS NOT NULL" 2>/dev/null) || return 1
  [[ "$v" == t ]]
}

# replication writes a canary row through the primary's writer endpoint and
# times its arrival at the secondary's reader endpoint. The reader polls
# inside the database (a DO loop, started before the write), so the figure
# is the replication lag, not psql's connection time; both timestamps are
# clock_timestamp() of the servers.
replication() {
  step "write in $PRIMARY_REGION, read in $SECONDARY_REGION"
  local pip sip
  pip=$(resolve "$PRIMARY_ENDPOINT")
  sip=$(resolve "$SECONDARY_READER")
  TOKEN="canary-$(date +%s)-$$"
  sql "$pip" "CREATE TABLE IF NOT EXISTS $CANARY_TABLE (token text PRIMARY KEY, region text NOT NULL, written_at timestamptz NOT NULL DEFAULT clock_timestamp())" >/dev/null
  poll "table $CANARY_TABLE in $SECONDARY_REGION" table_visible "$sip"
  local seen_file watcher written seen
  seen_file=$(mktemp)
  sql "$sip" "SET statement_timeout = '60s'; DO \$\$ BEGIN WHILE NOT EXISTS (SELECT 1 FROM $CANARY_TABLE WHERE token = '$TOKEN') LOOP PERFORM pg_sleep(0.001); END LOOP; END \$\$; SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint" >"$seen_file" &
  watcher=$!
  sleep 0.5 # the watcher connects and starts looking
  written=$(sql "$pip" "INSERT INTO $CANARY_TABLE (token, region) VALUES ('$TOKEN', '$PRIMARY_REGION') RETURNING (extract(epoch FROM written_at) * 1000)::bigint")
  wait "$watcher" || die "row $TOKEN not visible in $SECONDARY_REGION ($SECONDARY_READER) within 60 s"
  seen=$(<"$seen_file")
  rm -f "$seen_file"
  [[ "$seen" =~ ^[0-9]+$ && "$written" =~ ^[0-9]+$ ]] || die "canary timestamps: written '$written', seen '$seen'"
  LAG_MS=$((seen - written))
  log "row visible in $SECONDARY_REGION after $LAG_MS ms"
}

# cli_lacks ERR: the CLI does not know the command or option (older CLIs:
# SwitchoverGlobalCluster and AllowDataLoss came in August 2023).
cli_lacks() { [[ "$1" == *"Unknown options"* || "$1" == *"Invalid choice"* ]]; }

stage_failure() {
  T_FAULT=$(now_ms)
  local out
  if [[ "$FAILURE_MODE" == outage ]]; then
    step "stage the failure: region outage of $PRIMARY_REGION (emulator fault)"
    out=$(run "$GLOBALDB" fault region-outage --region "$PRIMARY_REGION" --endpoint-url "$AWS_ENDPOINT_URL")
    printf '%s\n' "$out" >&2
    FAULT_ID=$(awk '$1 == "injected" { sub(":", "", $2); print $2 }' <<<"$out")
    [[ -n "$FAULT_ID" ]] || die "could not read the fault's ID from: $out"
    return 0
  fi
  step "stage the failure: managed switchover to $SECONDARY_CLUSTER"
  # Called in the current primary's region; RPO 0.
  if out=$(awsr "$PRIMARY_REGION" rds switchover-global-cluster --global-cluster-identifier "$GLOBAL_ID" \
    --target-db-cluster-identifier "$SECONDARY_ARN" 2>&1 >/dev/null); then
    return 0
  fi
  printf '%s\n' "$out" >&2
  cli_lacks "$out" || die "switchover-global-cluster failed"
  log "this aws CLI has no switchover-global-cluster: using failover-global-cluster without --allow-data-loss (a managed planned failover, RPO 0)"
  awsr "$PRIMARY_REGION" rds failover-global-cluster --global-cluster-identifier "$GLOBAL_ID" \
    --target-db-cluster-identifier "$SECONDARY_ARN" >/dev/null
}

dns_points_at_secondary() {
  local first
  first=$(dns_answer "$WRITER_RECORD" | head -n1)
  [[ -n "${GDB_QUIET:-}" ]] || log "  $WRITER_RECORD -> ${first:-(no answer)}"
  same_name "$first" "$SECONDARY_ENDPOINT"
}

watch_dns() {
  step "watch $WRITER_RECORD${DNS_SERVER:+ at $DNS_SERVER}"
  local args
  mapfile -t args < <(dig_args)
  show_cmd dig "${args[@]}" "$WRITER_RECORD"
  # dig is cheap: look often, so that the time measured is the flip's.
  local POLL_INTERVAL=$DNS_POLL_INTERVAL POLL_TIMEOUT=$DNS_TIMEOUT
  poll "$WRITER_RECORD to answer $SECONDARY_ENDPOINT" dns_points_at_secondary ||
    die "$WRITER_RECORD still answers the old primary: is ${PRIMARY_CLUSTER}'s health check failing?"
  DNS_S=$(secs_since "$T_FAULT")
}

# secondary_writes succeeds when the global cluster is available with the
# secondary as its writer.
secondary_writes() {
  local out status writer
  out=$(awst "$SECONDARY_REGION" rds describe-global-clusters --filters "Name=global-cluster-id,Values=$GLOBAL_ID" \
    --query "GlobalClusters[0].[Status, GlobalClusterMembers[?IsWriter].DBClusterArn | [0]]") || return 1
  read -r status writer <<<"$out"
  [[ -n "${GDB_QUIET:-}" ]] || log "  global $status, writer $writer"
  [[ "$status" == available && "$writer" == "$SECONDARY_ARN" ]]
}

# secondary_standalone succeeds when the detached secondary is available on
# its own (detach and promote).
secondary_standalone() {
  local members
  members=$(global_members "$SECONDARY_REGION") || return 1
  ! grep -qF "$SECONDARY_ARN" <<<"$members" && cluster_is "$SECONDARY_REGION" "$SECONDARY_CLUSTER" available
}

fail_over() {
  T_FAILOVER=$(now_ms)
  if [[ "$FAILURE_MODE" != outage ]]; then
    step "fail over: the switchover is under way"
    T_FAILOVER=$T_FAULT
    poll "$SECONDARY_CLUSTER to be the writer" secondary_writes
  else
    step "fail over to $SECONDARY_CLUSTER (allow data loss), called in $SECONDARY_REGION"
    local err
    if err=$(awsr "$SECONDARY_REGION" rds failover-global-cluster --global-cluster-identifier "$GLOBAL_ID" \
      --target-db-cluster-identifier "$SECONDARY_ARN" --allow-data-loss 2>&1 >/dev/null); then
      poll "$SECONDARY_CLUSTER to be the writer" secondary_writes
    else
      printf '%s\n' "$err" >&2
      cli_lacks "$err" || die "failover-global-cluster failed"
      # Without AllowDataLoss a failover is a switchover, which needs the
      # lost primary. Detach and promote instead: it works while the
      # primary's region is down, but nothing fences the old primary.
      log "this aws CLI has no --allow-data-loss: detaching and promoting $SECONDARY_CLUSTER instead"
      PROMOTION="detach and promote (remove-from-global-cluster)"
      T_FAILOVER=$(now_ms)
      awsr "$SECONDARY_REGION" rds remove-from-global-cluster --global-cluster-identifier "$GLOBAL_ID" \
        --db-cluster-identifier "$SECONDARY_ARN" >/dev/null
      poll "$SECONDARY_CLUSTER to be a standalone writer" secondary_standalone
    fi
  fi
  PROMOTE_S=$(secs_since "$T_FAILOVER")
  T_PROMOTED=$(now_ms)
}

write_after() {
  step "write through $WRITER_RECORD"
  local token2 ip deadline err=""
  token2="after-$(date +%s)-$$"
  deadline=$(($(now_ms) + 60000))
  while true; do
    # Route 53's name is not in the certificate: verify the RDS endpoint
    # name it resolves through (docs/runbook.md, TLS).
    if ip=$(db_target "$WRITER_RECORD") &&
      err=$(GDB_QUIET=1 sql "$ip" "INSERT INTO $CANARY_TABLE (token, region) VALUES ('$token2', '$SECONDARY_REGION')" 2>&1); then
      break
    fi
    (($(now_ms) < deadline)) || die "no write through $WRITER_RECORD within 60 s: ${err:-does not resolve}"
    sleep 0.1
  done
  FIRST_WRITE_S=$(secs_since "$T_PROMOTED")
  OUTAGE_S=$(secs_since "$T_FAULT")
  log "wrote $token2 through $WRITER_RECORD ($ip)"
  local got
  got=$(sql "$ip" "SELECT region FROM $CANARY_TABLE WHERE token = '$token2'")
  [[ "$got" == "$SECONDARY_REGION" ]] || die "read back $token2: got '$got'"
  # The canary was replicated before the fault, so the failover kept it.
  got=$(sql "$ip" "SELECT count(*) FROM $CANARY_TABLE WHERE token = '$TOKEN'")
  [[ "$got" == 1 ]] || die "canary $TOKEN written before the failure is missing after the failover"
  log "read back $token2 and the earlier canary $TOKEN in $SECONDARY_REGION"
}

report() {
  cat <<EOF

== failover rehearsal of stack $STACK: $PRIMARY_REGION -> $SECONDARY_REGION
failure: $FAILURE_MODE; promotion: $PROMOTION
stage                                   time
replication lag (write -> visible)      ${LAG_MS} ms
DNS flip (failure -> Route 53 answer)   ${DNS_S} s
promotion (failover call -> writer)     ${PROMOTE_S} s
first write after promotion             ${FIRST_WRITE_S} s
write outage (failure -> first write)   ${OUTAGE_S} s
EOF
}

main() {
  load_password
  print_config
  command -v psql >/dev/null || die "psql is not installed (Debian: postgresql-client)"
  command -v dig >/dev/null || die "dig is not installed (Debian: dnsutils)"
  ca_bundle
  discover
  replication
  stage_failure
  watch_dns
  fail_over
  write_after
  if [[ -n "$FAULT_ID" ]]; then
    step "clear the fault: $PRIMARY_REGION comes back"
    clear_fault
    if [[ "$PROMOTION" == detach* ]]; then
      log "WARNING: $PRIMARY_CLUSTER was not fenced: it comes back as the writer of $GLOBAL_ID, and $WRITER_RECORD answers it again once its health check passes; run cleanup.sh"
    fi
  fi
  report
}

main "$@"
