# shellcheck shell=bash disable=SC2034 # the names below are used by the scripts that source this file
# Shared helpers for create-aurora-global.sh, test-failover.sh and cleanup.sh.
# Sourced by them, not run. Needs bash 4+, the aws CLI (v1 or v2), dig and,
# for the data checks, psql and curl (also to find out whether
# AWS_ENDPOINT_URL is a globaldb emulator: then DNS_SERVER defaults to its DNS server).
#
# Every setting is an environment variable with a default; the scripts
# document them at their top. Names derive from STACK:
#   ${STACK}-global                       global cluster
#   ${STACK}-primary, ${STACK}-secondary  DB clusters (PRIMARY_REGION, SECONDARY_REGION)
#   ${STACK}-primary-1/-2, ${STACK}-secondary-1/-2   DB instances (AZs <region>a, <region>b)
#   ${STACK}-monitoring, ${STACK}-operator            IAM roles under /globaldb/${STACK}/
#   ${ZONE_NAME}, writer.${ZONE_NAME}     hosted zone and its failover CNAME records
#   health checks with CallerReference ${STACK}-hc-<region>-...

: "${PRIMARY_REGION:=ap-southeast-1}"
: "${SECONDARY_REGION:=ap-southeast-2}"
: "${STACK:=gdbscript}"
: "${ENGINE:=aurora-postgresql}"
: "${ENGINE_VERSION:=15.10}"
: "${INSTANCE_CLASS:=db.r6g.large}"
: "${MASTER_USER:=postgres}"
: "${DB_NAME:=postgres}"
: "${DB_PORT:=5432}"
: "${ZONE_NAME:=${STACK}.globaldb.example.com}"
: "${RECORD_TTL:=10}"
: "${HEALTH_CHECK_INTERVAL:=10}"
: "${HEALTH_CHECK_THRESHOLD:=3}"
: "${MONITORING_INTERVAL:=60}"
: "${AWS_CLI:=aws}"
: "${AWS_ENDPOINT_URL:=}"

# emulator_info asks AWS_ENDPOINT_URL whether it is a globaldb emulator
# (GET /_globaldb/health, unsigned) and prints its DNS server's address;
# it fails, printing nothing, against AWS or when nothing answers.
emulator_info() {
  [[ -n "$AWS_ENDPOINT_URL" ]] && command -v curl >/dev/null || return 1
  local body
  body=$(curl -fsS --max-time 2 "${AWS_ENDPOINT_URL%/}/_globaldb/health" 2>/dev/null) || return 1
  [[ "$body" == *'"emulator":"globaldb"'* ]] || return 1
  sed -n 's/.*"dns":"\([^"]*\)".*/\1/p' <<<"$body"
}

# On a globaldb emulator, dig asks its DNS server, and `globaldb fault`
# is this checkout's bin/globaldb (make build) unless GLOBALDB says.
GDB_EMULATOR_DNS=$(emulator_info || true)
if [[ -n "$GDB_EMULATOR_DNS" ]]; then
  : "${DNS_SERVER:=$GDB_EMULATOR_DNS}"
  GDB_REPO_BIN="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/bin/globaldb"
  if [[ -z "${GLOBALDB:-}" ]]; then
    if [[ -x "$GDB_REPO_BIN" ]] || ! command -v globaldb >/dev/null; then
      GLOBALDB=$GDB_REPO_BIN
    fi
  fi
fi
: "${GLOBALDB:=globaldb}"
: "${DNS_SERVER:=}"
# psql connects with TLS as RDS documents it: sslmode=verify-full against the
# RDS CA bundle (PGSSLROOTCERT: AWS's global-bundle.pem; on the emulator, its
# own bundle is downloaded when unset). PGSSLMODE=require skips the checks.
: "${PGSSLMODE:=verify-full}"
: "${PGSSLROOTCERT:=}"
# IAM, STS and Route 53 are global services; their calls are signed for us-east-1.
: "${GLOBAL_REGION:=us-east-1}"
# Polls: the emulator moves in seconds, AWS in minutes.
if [[ -n "$AWS_ENDPOINT_URL" ]]; then
  : "${POLL_INTERVAL:=1}"
  : "${POLL_TIMEOUT:=300}"
else
  : "${POLL_INTERVAL:=15}"
  : "${POLL_TIMEOUT:=3600}"
fi
export AWS_PAGER=""

ZONE_NAME=${ZONE_NAME%.}
GLOBAL_ID="${STACK}-global"
PRIMARY_CLUSTER="${STACK}-primary"
SECONDARY_CLUSTER="${STACK}-secondary"
MONITORING_ROLE="${STACK}-monitoring"
OPERATOR_ROLE="${STACK}-operator"
OPERATOR_POLICY="${STACK}-operator"
IAM_PATH="/globaldb/${STACK}/"
WRITER_RECORD="writer.${ZONE_NAME}"
HC_PREFIX="${STACK}-hc-"
STACK_TAG_KEY="globaldb:stack"
SCRIPT_NAME=$(basename "${0:-lib.sh}" .sh)

# --- output ------------------------------------------------------------------

log() { printf '[%s %s] %s\n' "$(date +%H:%M:%S)" "$SCRIPT_NAME" "$*" >&2; }
step() { printf '\n[%s %s] == %s\n' "$(date +%H:%M:%S)" "$SCRIPT_NAME" "$*" >&2; }
skip() { log "skip: $*"; }
die() {
  log "ERROR: $*"
  exit 1
}

# show_cmd prints a command as it will run, masking secrets.
show_cmd() {
  [[ -n "${GDB_QUIET:-}" ]] && return 0
  local out="+" mask="" a
  for a in "$@"; do
    if [[ -n "$mask" ]]; then
      out+=" (hidden)"
      mask=""
      continue
    fi
    case "$a" in
      --master-user-password) out+=" $a" mask=1 ;;
      --master-user-password=*) out+=" --master-user-password=(hidden)" ;;
      *[[:space:]\"\'\$\;\&\|\(\)\<\>\*\?]* | "") out+=" '${a//\'/\'\\\'\'}'" ;;
      *) out+=" $a" ;;
    esac
  done
  printf '%s\n' "$out" >&2
}

# run echoes a command and runs it.
run() {
  show_cmd "$@"
  "$@"
}

# now_ms is the wall clock in milliseconds.
now_ms() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    local t=${EPOCHREALTIME//[.,]/}
    echo $((10#$t / 1000))
  else
    echo $(($(date +%s) * 1000))
  fi
}

# secs_since MS prints the seconds since MS with one decimal.
secs_since() {
  local d=$(($(now_ms) - $1))
  printf '%d.%d' $((d / 1000)) $((d % 1000 / 100))
}

# --- aws CLI -----------------------------------------------------------------

# aws_cli OUTPUT REGION ARGS... runs the configured CLI for one region, with
# --endpoint-url when AWS_ENDPOINT_URL is set: aws CLI v1 before 1.29 and v2
# before 2.13 do not read that variable.
aws_cli() {
  local output=$1 region=$2
  shift 2
  local cmd=("$AWS_CLI" --region "$region")
  [[ -n "$AWS_ENDPOINT_URL" ]] && cmd+=(--endpoint-url "$AWS_ENDPOINT_URL")
  cmd+=(--output "$output" "$@")
  show_cmd "${cmd[@]}"
  "${cmd[@]}"
}

# awsr REGION ARGS... prints JSON.
awsr() { aws_cli json "$@"; }

# awst REGION ARGS... prints text (use with --query); a missing value is "None".
awst() { aws_cli text "$@"; }

# Tag list for RDS Create* calls.
rds_tags() { printf 'Key=%s,Value=%s' "$STACK_TAG_KEY" "$STACK"; }

# --- RDS state ---------------------------------------------------------------

# cluster_field REGION ID FIELD prints a field of a DB cluster, "None" when
# the cluster does not exist (filters answer an empty list, not an error).
cluster_field() {
  awst "$1" rds describe-db-clusters --filters "Name=db-cluster-id,Values=$2" \
    --query "DBClusters[0].$3"
}

instance_status() {
  awst "$1" rds describe-db-instances --filters "Name=db-instance-id,Values=$2" \
    --query "DBInstances[0].DBInstanceStatus"
}

# cluster_instance_states REGION CLUSTER prints "id<TAB>status" per instance.
cluster_instance_states() {
  local out
  out=$(awst "$1" rds describe-db-instances --filters "Name=db-cluster-id,Values=$2" \
    --query "DBInstances[].[DBInstanceIdentifier,DBInstanceStatus]")
  [[ -z "$out" || "$out" == None ]] && return 0
  printf '%s\n' "$out"
}

# cluster_instances REGION CLUSTER prints the cluster's instance ids, one a line.
cluster_instances() {
  local ids
  ids=$(awst "$1" rds describe-db-instances --filters "Name=db-cluster-id,Values=$2" \
    --query "DBInstances[].DBInstanceIdentifier")
  [[ -z "$ids" || "$ids" == None ]] && return 0
  tr '\t' '\n' <<<"$ids"
}

global_field() {
  awst "$1" rds describe-global-clusters --filters "Name=global-cluster-id,Values=$GLOBAL_ID" \
    --query "GlobalClusters[0].$2"
}

# global_is REGION STATUS succeeds when the global cluster has that status.
global_is() {
  local s
  s=$(global_field "$1" Status) || return 1
  [[ "$s" == "$2" ]] || {
    [[ -n "${GDB_QUIET:-}" ]] || log "  $GLOBAL_ID: $s"
    return 1
  }
}

# global_members REGION prints "ARN<TAB>True|False" (IsWriter) per member.
global_members() {
  local out
  out=$(awst "$1" rds describe-global-clusters --filters "Name=global-cluster-id,Values=$GLOBAL_ID" \
    --query "GlobalClusters[0].GlobalClusterMembers[].[DBClusterArn,IsWriter]")
  [[ -z "$out" || "$out" == None ]] && return 0
  printf '%s\n' "$out"
}

# global_writer_arn REGION prints the writer member's ARN ("" when none).
global_writer_arn() {
  global_members "$1" | awk -F'\t' '$2 == "True" { print $1 }'
}

# arn_region ARN and arn_name ARN split an RDS ARN
# (arn:aws:rds:REGION:ACCOUNT:cluster:NAME).
arn_region() { cut -d: -f4 <<<"$1"; }
arn_name() { cut -d: -f7 <<<"$1"; }

# poll DESC CMD... runs CMD every POLL_INTERVAL until it succeeds, up to
# POLL_TIMEOUT (then it fails, which ends a script under set -e); only the
# first round's aws commands are echoed.
poll() {
  local desc=$1 start deadline round=0
  shift
  start=$(now_ms)
  deadline=$((start + POLL_TIMEOUT * 1000))
  log "waiting: $desc"
  while true; do
    if ((round == 0)); then
      "$@" && break
    else
      GDB_QUIET=1 "$@" && break
    fi
    round=$((round + 1))
    if (($(now_ms) > deadline)); then
      log "ERROR: timed out after ${POLL_TIMEOUT} s waiting: $desc"
      return 1
    fi
    sleep "$POLL_INTERVAL"
  done
  log "done: $desc ($(secs_since "$start") s)"
}

# cluster_is REGION ID STATUS succeeds when the cluster has that status
# ("None": it is gone).
cluster_is() {
  local s
  s=$(cluster_field "$1" "$2" Status) || return 1
  [[ "$s" == "$3" ]] || {
    [[ -n "${GDB_QUIET:-}" ]] || log "  $2: $s"
    return 1
  }
}

# The scripts poll with POLL_INTERVAL rather than use the aws CLI's
# waiters: those wait 30 s between tries, whatever the target (on the
# emulator most of a run would be spent sleeping).

# instances_available REGION CLUSTER succeeds when the cluster has
# instances and every one is available; it dies when one has failed.
instances_available() {
  local states
  states=$(cluster_instance_states "$1" "$2") || return 1
  [[ -n "$states" ]] || return 1
  if grep -qE $'\t(failed|incompatible-[a-z-]+|inaccessible-encryption-credentials)$' <<<"$states"; then
    die "an instance of $2 in $1 failed: $(tr '\n' ' ' <<<"$states")"
  fi
  ! grep -qvE $'\tavailable$' <<<"$states" || {
    [[ -n "${GDB_QUIET:-}" ]] || log "  $(tr '\n' ' ' <<<"$states")"
    return 1
  }
}

# instance_gone REGION ID succeeds when the instance no longer exists.
instance_gone() {
  [[ "$(instance_status "$1" "$2")" == None ]]
}

# change_insync CHANGE_ID succeeds when a Route 53 change is INSYNC.
change_insync() {
  [[ "$(awst "$GLOBAL_REGION" route53 get-change --id "$1" --query ChangeInfo.Status)" == INSYNC ]]
}

# --- DNS ---------------------------------------------------------------------

dig_args() {
  local args=(+short +time=2 +tries=2)
  if [[ -n "$DNS_SERVER" ]]; then
    local host=$DNS_SERVER port=53
    if [[ "$DNS_SERVER" == *:* ]]; then
      host=${DNS_SERVER%:*}
      port=${DNS_SERVER##*:}
    fi
    args+=("@$host" -p "$port")
  fi
  printf '%s\n' "${args[@]}"
}

# dns_answer NAME prints dig's answer lines (CNAME chain, then addresses).
dns_answer() {
  local args
  mapfile -t args < <(dig_args)
  dig "${args[@]}" "$1" A 2>/dev/null
}

# resolve_name NAME prints NAME's first IPv4 address, following CNAMEs,
# through DNS_SERVER when set (the emulator's DNS: psql cannot use a
# custom resolver, so callers connect to the address) or the system
# resolver otherwise. When DNS_SERVER is authoritative only (on AWS: a name
# server of a zone not delegated yet) and answers just a CNAME to an RDS
# endpoint, that target is resolved by the system resolver.
resolve_name() {
  local answer ip target
  answer=$(dns_answer "$1")
  ip=$(grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' <<<"$answer" | head -n1)
  if [[ -z "$ip" && -n "$DNS_SERVER" && -z "$AWS_ENDPOINT_URL" ]]; then
    target=$(tail -n1 <<<"$answer")
    [[ -n "$target" ]] && ip=$(dig +short +time=2 +tries=2 "$target" A 2>/dev/null |
      grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' | head -n1)
  fi
  [[ -n "$ip" ]] || return 1
  printf '%s\n' "$ip"
}

# same_name A B compares DNS names ignoring case and a trailing dot.
same_name() {
  local a=${1%.} b=${2%.}
  [[ "${a,,}" == "${b,,}" ]]
}

# --- secrets and psql --------------------------------------------------------

# load_password sets MASTER_PASSWORD from MASTER_PASSWORD or
# MASTER_PASSWORD_FILE (first line); it is never printed.
load_password() {
  if [[ -z "${MASTER_PASSWORD:-}" && -n "${MASTER_PASSWORD_FILE:-}" ]]; then
    [[ -r "$MASTER_PASSWORD_FILE" ]] || die "MASTER_PASSWORD_FILE $MASTER_PASSWORD_FILE is not readable"
    IFS= read -r MASTER_PASSWORD <"$MASTER_PASSWORD_FILE" || [[ -n "$MASTER_PASSWORD" ]] ||
      die "MASTER_PASSWORD_FILE $MASTER_PASSWORD_FILE is empty"
  fi
  [[ -n "${MASTER_PASSWORD:-}" ]] || die "set MASTER_PASSWORD or MASTER_PASSWORD_FILE (the master user's password)"
}

# rds_name NAME prints the RDS endpoint name NAME resolves through: NAME
# itself for an RDS endpoint, else the first RDS name of its CNAME chain (a
# Route 53 record aimed at a cluster endpoint). RDS certificates carry RDS
# endpoint names only, so verify-full must check this name, not NAME.
rds_name() {
  local n=${1%.}
  if [[ "${n,,}" == *.rds.amazonaws.com ]]; then
    printf '%s\n' "$n"
    return 0
  fi
  n=$(dns_answer "$1" | grep -iE '\.rds\.amazonaws\.com\.?$' | head -n1)
  [[ -n "$n" ]] || return 1
  printf '%s\n' "${n%.}"
}

# db_target NAME prints "ENDPOINT ADDRESS" for sql: the RDS endpoint name
# TLS verifies and the address psql dials (what NAME resolves to now).
db_target() {
  local name ip
  name=$(rds_name "$1") || return 1
  ip=$(resolve_name "$1") || return 1
  printf '%s %s\n' "$name" "$ip"
}

# ca_bundle sets PGSSLROOTCERT when it is unset: on the emulator, its CA
# bundle (GET $AWS_ENDPOINT_URL/_globaldb/global-bundle.pem, the name of
# AWS's bundle); on AWS, AWS's global bundle from truststore.pki.rds.amazonaws.com.
ca_bundle() {
  [[ -n "$PGSSLROOTCERT" || "$PGSSLMODE" != verify-* ]] && return 0
  local url=https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
  [[ -n "$AWS_ENDPOINT_URL" ]] && url="${AWS_ENDPOINT_URL%/}/_globaldb/global-bundle.pem"
  command -v curl >/dev/null || die "curl is not installed: set PGSSLROOTCERT to the RDS CA bundle ($url)"
  PGSSLROOTCERT=$(mktemp "${TMPDIR:-/tmp}/global-bundle.XXXXXX.pem")
  GDB_BUNDLE_TMP=$PGSSLROOTCERT
  show_cmd curl -fsS -o "$PGSSLROOTCERT" "$url"
  curl -fsS --max-time 30 -o "$PGSSLROOTCERT" "$url" || die "could not download the RDS CA bundle from $url (set PGSSLROOTCERT)"
  export PGSSLROOTCERT
}

# remove_bundle deletes a bundle ca_bundle downloaded.
remove_bundle() {
  [[ -n "${GDB_BUNDLE_TMP:-}" ]] && rm -f "$GDB_BUNDLE_TMP"
  return 0
}

# sql TARGET SQL runs one statement as the master user on TARGET (from
# db_target: psql's host= is the RDS endpoint name, which verify-full
# checks, and hostaddr= the address it dials) and prints the result
# unaligned; the password goes through PGPASSWORD.
sql() {
  local host addr query=$2
  read -r host addr <<<"$1"
  [[ -n "$addr" ]] || die "sql: no address for $host"
  ca_bundle
  local conn="host=$host hostaddr=$addr port=$DB_PORT user=$MASTER_USER dbname=$DB_NAME sslmode=$PGSSLMODE"
  [[ -n "$PGSSLROOTCERT" ]] && conn+=" sslrootcert=$PGSSLROOTCERT"
  show_cmd psql "$conn" -c "$query"
  PGPASSWORD="$MASTER_PASSWORD" PGCONNECT_TIMEOUT=3 psql -X -q -t -A -v ON_ERROR_STOP=1 "$conn" -c "$query"
}

# print_config shows the settings a script runs with (the password hidden).
print_config() {
  local pw="(unset)"
  [[ -n "${MASTER_PASSWORD:-}${MASTER_PASSWORD_FILE:-}" ]] && pw="(hidden)"
  log "stack=$STACK primary=$PRIMARY_REGION secondary=$SECONDARY_REGION engine=$ENGINE $ENGINE_VERSION class=$INSTANCE_CLASS"
  log "master user=$MASTER_USER password=$pw zone=$ZONE_NAME aws=$AWS_CLI endpoint=${AWS_ENDPOINT_URL:-(AWS)} dns=${DNS_SERVER:-(system)}${GDB_EMULATOR_DNS:+ (announced by the emulator)} poll=${POLL_INTERVAL}s"
  log "TLS sslmode=$PGSSLMODE CA bundle=${PGSSLROOTCERT:-(downloaded at the first query)}"
}
