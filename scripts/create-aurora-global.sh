#!/usr/bin/env bash
# create-aurora-global.sh: an Aurora PostgreSQL Global Database in two regions,
# fronted by Route 53 failover records with health checks, and its IAM roles.
# Plain bash + aws CLI (v1 or v2) + dig. Safe to re-run: every step looks for
# its resource first and skips it when it exists.
#
# Environment (defaults in brackets):
#   PRIMARY_REGION     [ap-southeast-1]   region of the writer
#   SECONDARY_REGION   [ap-southeast-2]   region of the read-only secondary
#   STACK              [gdbscript]        prefix of every name: ${STACK}-global,
#                                         ${STACK}-primary, ${STACK}-secondary,
#                                         instances ${STACK}-primary-1/-2, ...
#   ENGINE             [aurora-postgresql]
#   ENGINE_VERSION     [15.10]            must support global databases
#   INSTANCE_CLASS     [db.r6g.large]     memory-optimised, as Aurora global needs
#   MASTER_USER        [postgres]
#   MASTER_PASSWORD    (required)         or MASTER_PASSWORD_FILE: its first line.
#                                         Never printed.
#   ZONE_NAME          [${STACK}.globaldb.example.com]  hosted zone to create or reuse;
#                                         the failover record is writer.${ZONE_NAME}
#   RECORD_TTL         [10]               seconds, on the failover records
#   HEALTH_CHECK_INTERVAL [10]  HEALTH_CHECK_THRESHOLD [3]   Route 53 RequestInterval
#                                         (10 or 30) and FailureThreshold (1-10)
#   MONITORING_INTERVAL [60]              Enhanced Monitoring seconds (0: off)
#   DB_PORT            [5432]
#   DB_SUBNET_GROUP    (unset)            subnet group name, the same in both regions;
#                                         default: the default VPC's
#   PRIMARY_SECURITY_GROUP_IDS, SECONDARY_SECURITY_GROUP_IDS  (unset)  space-separated
#                                         VPC security groups; they must admit DB_PORT
#                                         from Route 53's health checkers and your client
#   AWS_CLI            [aws]              the aws CLI binary (v1 or v2)
#   AWS_ENDPOINT_URL   (unset)            set for the globaldb emulator; passed to
#                                         every call as --endpoint-url
#   DNS_SERVER         (unset: the system resolver; on a globaldb emulator the DNS
#                                         server it announces)  host[:port] dig asks
#   POLL_INTERVAL, POLL_TIMEOUT           polls, instead of the aws CLI's 30 s waiters
#                                         [15 s, 3600 s; emulator 1 s, 300 s]
# Credentials come from the aws CLI's usual chain (AWS_PROFILE, AWS_ACCESS_KEY_ID...).
# The instances are publicly accessible: Route 53's health checkers run on the
# internet and cannot reach private endpoints.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CREATED=0 SKIPPED=0
T_START=$(now_ms)
declare -A TIMES

created() {
  CREATED=$((CREATED + 1))
  log "created: $*"
}
skipped() {
  SKIPPED=$((SKIPPED + 1))
  skip "$*"
}

# --- IAM ---------------------------------------------------------------------

# ensure_role NAME TRUST_POLICY_JSON DESCRIPTION: sets ROLE_ARN and
# ROLE_NEW (1 when created now). EXISTING_ROLES holds "name<TAB>arn" lines.
ensure_role() {
  ROLE_ARN=$(awk -F'\t' -v n="$1" '$1 == n { print $2 }' <<<"$EXISTING_ROLES")
  ROLE_NEW=0
  if [[ -n "$ROLE_ARN" ]]; then
    skipped "IAM role $1 exists"
    return 0
  fi
  ROLE_ARN=$(awst "$GLOBAL_REGION" iam create-role --role-name "$1" --path "$IAM_PATH" \
    --assume-role-policy-document "$2" --description "$3" \
    --tags "Key=$STACK_TAG_KEY,Value=$STACK" --query Role.Arn)
  ROLE_NEW=1
  created "IAM role $1"
}

create_iam() {
  step "IAM roles and policies"
  local monitoring_policy=arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole
  EXISTING_ROLES=$(awst "$GLOBAL_REGION" iam list-roles --path-prefix "$IAM_PATH" --query "Roles[].[RoleName,Arn]")
  ensure_role "$MONITORING_ROLE" '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"monitoring.rds.amazonaws.com"},"Action":"sts:AssumeRole"}]}' \
    "RDS Enhanced Monitoring for stack $STACK"
  MONITORING_ROLE_ARN=$ROLE_ARN
  local account attached=""
  account=$(cut -d: -f5 <<<"$ROLE_ARN")
  if ((ROLE_NEW == 0)); then
    attached=$(awst "$GLOBAL_REGION" iam list-attached-role-policies --role-name "$MONITORING_ROLE" \
      --query "AttachedPolicies[?PolicyArn=='$monitoring_policy'].PolicyArn | [0]")
  fi
  if [[ "$attached" == "$monitoring_policy" ]]; then
    skipped "AmazonRDSEnhancedMonitoringRole is attached to $MONITORING_ROLE"
  else
    awsr "$GLOBAL_REGION" iam attach-role-policy --role-name "$MONITORING_ROLE" --policy-arn "$monitoring_policy"
    created "attachment AmazonRDSEnhancedMonitoringRole -> $MONITORING_ROLE"
  fi

  ensure_role "$OPERATOR_ROLE" "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::${account}:root\"},\"Action\":\"sts:AssumeRole\"}]}" \
    "Operates stack $STACK: its RDS resources and Route 53"
  local inline=""
  if ((ROLE_NEW == 0)); then
    inline=$(awst "$GLOBAL_REGION" iam list-role-policies --role-name "$OPERATOR_ROLE" \
      --query "PolicyNames[?@=='$OPERATOR_POLICY'] | [0]")
  fi
  if [[ "$inline" == "$OPERATOR_POLICY" ]]; then
    skipped "inline policy $OPERATOR_POLICY on $OPERATOR_ROLE exists"
  else
    awsr "$GLOBAL_REGION" iam put-role-policy --role-name "$OPERATOR_ROLE" --policy-name "$OPERATOR_POLICY" \
      --policy-document "$(operator_policy "$account")"
    created "inline policy $OPERATOR_POLICY on $OPERATOR_ROLE"
  fi
}

# operator_policy ACCOUNT: RDS changes only on this stack's names; reads
# where AWS cannot scope them; Route 53 zones and health checks get IDs only
# at creation, so they cannot be named in advance.
operator_policy() {
  local a=$1
  cat <<EOF
{"Version":"2012-10-17","Statement":[
 {"Sid":"StackRDS","Effect":"Allow","Action":["rds:CreateGlobalCluster","rds:ModifyGlobalCluster","rds:DeleteGlobalCluster","rds:SwitchoverGlobalCluster","rds:FailoverGlobalCluster","rds:RemoveFromGlobalCluster","rds:CreateDBCluster","rds:ModifyDBCluster","rds:DeleteDBCluster","rds:FailoverDBCluster","rds:CreateDBInstance","rds:ModifyDBInstance","rds:DeleteDBInstance","rds:AddTagsToResource"],
  "Resource":["arn:aws:rds::${a}:global-cluster:${GLOBAL_ID}","arn:aws:rds:*:${a}:cluster:${STACK}-*","arn:aws:rds:*:${a}:db:${STACK}-*"]},
 {"Sid":"ReadRDS","Effect":"Allow","Action":["rds:DescribeGlobalClusters","rds:DescribeDBClusters","rds:DescribeDBInstances","rds:DescribeDBClusterEndpoints","rds:ListTagsForResource","rds:DescribeDBEngineVersions"],"Resource":"*"},
 {"Sid":"Route53","Effect":"Allow","Action":["route53:CreateHostedZone","route53:DeleteHostedZone","route53:GetHostedZone","route53:ListHostedZones","route53:ListHostedZonesByName","route53:ChangeResourceRecordSets","route53:ListResourceRecordSets","route53:GetChange","route53:CreateHealthCheck","route53:DeleteHealthCheck","route53:GetHealthCheck","route53:GetHealthCheckStatus","route53:ListHealthChecks"],"Resource":"*"},
 {"Sid":"PassMonitoringRole","Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::${a}:role${IAM_PATH}${MONITORING_ROLE}"}
]}
EOF
}

# --- RDS ---------------------------------------------------------------------

create_global() {
  step "global cluster $GLOBAL_ID"
  local s
  s=$(global_field "$PRIMARY_REGION" Status)
  if [[ "$s" != None ]]; then
    skipped "global cluster $GLOBAL_ID exists ($s)"
  else
    s=$(awst "$PRIMARY_REGION" rds create-global-cluster --global-cluster-identifier "$GLOBAL_ID" \
      --engine "$ENGINE" --engine-version "$ENGINE_VERSION" --query GlobalCluster.Status)
    created "global cluster $GLOBAL_ID ($s)"
  fi
  # No global-cluster waiter exists: poll.
  [[ "$s" == available ]] || poll "global cluster $GLOBAL_ID available" global_is "$PRIMARY_REGION" available
}

# create_cluster REGION ID ROLE (primary|secondary): sets CLUSTER_STATUS,
# CLUSTER_NEW (1 when created now), CLUSTER_ENDPOINT and CLUSTER_READER.
create_cluster() {
  local region=$1 id=$2 role=$3 q="[Status,Endpoint,ReaderEndpoint]"
  CLUSTER_NEW=0
  read -r CLUSTER_STATUS CLUSTER_ENDPOINT CLUSTER_READER < <(cluster_field "$region" "$id" "$q")
  if [[ "$CLUSTER_STATUS" != None ]]; then
    skipped "DB cluster $id exists in $region ($CLUSTER_STATUS)"
    return 0
  fi
  local args=(rds create-db-cluster --db-cluster-identifier "$id" --engine "$ENGINE"
    --engine-version "$ENGINE_VERSION" --global-cluster-identifier "$GLOBAL_ID"
    --port "$DB_PORT" --enable-iam-database-authentication --tags "$(rds_tags)")
  if [[ "$role" == primary ]]; then
    # A secondary takes its credentials from the primary: AWS refuses them there.
    args+=(--master-username "$MASTER_USER" --master-user-password "$MASTER_PASSWORD")
  fi
  [[ -z "${DB_SUBNET_GROUP:-}" ]] || args+=(--db-subnet-group-name "$DB_SUBNET_GROUP")
  local sgs=${PRIMARY_SECURITY_GROUP_IDS:-}
  [[ "$role" == primary ]] || sgs=${SECONDARY_SECURITY_GROUP_IDS:-}
  # shellcheck disable=SC2206 # a space-separated list
  [[ -z "$sgs" ]] || args+=(--vpc-security-group-ids $sgs)
  local out
  out=$(awst "$region" "${args[@]}" --query "DBCluster.$q")
  read -r CLUSTER_STATUS CLUSTER_ENDPOINT CLUSTER_READER <<<"$out"
  CLUSTER_NEW=1
  created "DB cluster $id in $region ($role)"
}

# cluster_ready REGION ID: poll step; succeeds when the cluster is available,
# and refreshes CLUSTER_ENDPOINT and CLUSTER_READER.
cluster_ready() {
  local out
  out=$(cluster_field "$1" "$2" "[Status,Endpoint,ReaderEndpoint]") || return 1
  read -r CLUSTER_STATUS CLUSTER_ENDPOINT CLUSTER_READER <<<"$out"
  [[ -n "${GDB_QUIET:-}" ]] || log "  $2: $CLUSTER_STATUS"
  [[ "$CLUSTER_STATUS" == available ]]
}

# create_instance REGION CLUSTER ID AZ TIER
create_instance() {
  local region=$1 cluster=$2 id=$3 az=$4 tier=$5
  local args=(rds create-db-instance --db-instance-identifier "$id" --db-cluster-identifier "$cluster"
    --engine "$ENGINE" --db-instance-class "$INSTANCE_CLASS" --availability-zone "$az"
    --publicly-accessible --promotion-tier "$tier" --tags "$(rds_tags)")
  if ((MONITORING_INTERVAL > 0)); then
    args+=(--monitoring-interval "$MONITORING_INTERVAL" --monitoring-role-arn "$MONITORING_ROLE_ARN")
  fi
  # A new IAM role takes a few seconds to be usable by RDS on AWS.
  local attempt err
  for attempt in 1 2 3 4 5 6; do
    if err=$(awsr "$region" "${args[@]}" 2>&1 >/dev/null); then
      created "DB instance $id in $region ($az)"
      return 0
    fi
    printf '%s\n' "$err" >&2
    [[ "$err" == *MonitoringRoleArn* || "$err" == *"IAM role"* ]] || die "create DB instance $id failed"
    log "the monitoring role is not usable yet; retrying ($attempt/6)"
    sleep 10
  done
  die "create DB instance $id failed"
}

# create_region REGION CLUSTER ROLE: the cluster, two instances in two AZs
# (Multi-AZ), and the waits.
create_region() {
  local region=$1 cluster=$2 role=$3 t0 states i id st az pending=0
  t0=$(now_ms)
  step "$role cluster $cluster in $region"
  create_cluster "$region" "$cluster" "$role"
  states=""
  ((CLUSTER_NEW)) || states=$(cluster_instance_states "$region" "$cluster")
  for i in 1 2; do
    id="${cluster}-$i"
    st=$(awk -F'\t' -v n="$id" '$1 == n { print $2 }' <<<"$states")
    if [[ -n "$st" ]]; then
      skipped "DB instance $id exists in $region ($st)"
      [[ "$st" == available ]] || pending=1
      continue
    fi
    az=b
    ((i == 1)) && az=a
    create_instance "$region" "$cluster" "$id" "${region}${az}" $((i - 1))
    pending=1
  done
  if ((pending)); then
    poll "DB instances of $cluster available" instances_available "$region" "$cluster"
  fi
  if [[ "$CLUSTER_STATUS" != available || "$CLUSTER_ENDPOINT" == None ]] || ((pending)); then
    poll "DB cluster $cluster available" cluster_ready "$region" "$cluster"
  fi
  TIMES[$role]=$(secs_since "$t0")
}

# --- Route 53 ----------------------------------------------------------------

find_zone() {
  local id
  id=$(awst "$GLOBAL_REGION" route53 list-hosted-zones-by-name --dns-name "$ZONE_NAME" \
    --query "HostedZones[?Name=='${ZONE_NAME}.'].Id | [0]")
  [[ "$id" == None ]] && return 0
  printf '%s\n' "${id##*/}"
}

create_zone() {
  step "Route 53 hosted zone $ZONE_NAME"
  ZONE_ID=$(find_zone)
  ZONE_NEW=0
  if [[ -n "$ZONE_ID" ]]; then
    skipped "hosted zone $ZONE_NAME exists ($ZONE_ID)"
    return 0
  fi
  local id
  id=$(awst "$GLOBAL_REGION" route53 create-hosted-zone --name "$ZONE_NAME" \
    --caller-reference "${STACK}-zone-$(date +%s)-$$" \
    --hosted-zone-config "Comment=globaldb script stack $STACK" --query HostedZone.Id)
  ZONE_ID=${id##*/}
  ZONE_NEW=1
  created "hosted zone $ZONE_NAME ($ZONE_ID)"
}

# ensure_health_check REGION FQDN: a TCP check on FQDN:DB_PORT, found again
# by its CallerReference prefix (EXISTING_CHECKS: "reference<TAB>id" lines).
# Sets HC_ID.
ensure_health_check() {
  local region=$1 fqdn=$2 prefix="${HC_PREFIX}${1}-"
  HC_ID=$(awk -F'\t' -v p="$prefix" 'index($1, p) == 1 { print $2; exit }' <<<"$EXISTING_CHECKS")
  if [[ -n "$HC_ID" ]]; then
    skipped "health check for $region exists ($HC_ID)"
    return 0
  fi
  HC_ID=$(awst "$GLOBAL_REGION" route53 create-health-check --caller-reference "${prefix}$(date +%s)-$$" \
    --health-check-config "{\"Type\":\"TCP\",\"FullyQualifiedDomainName\":\"$fqdn\",\"Port\":$DB_PORT,\"RequestInterval\":$HEALTH_CHECK_INTERVAL,\"FailureThreshold\":$HEALTH_CHECK_THRESHOLD}" \
    --query HealthCheck.Id)
  created "health check $HC_ID: TCP $fqdn:$DB_PORT"
}

create_dns() {
  local t0
  t0=$(now_ms)
  create_zone
  step "Route 53 health checks"
  EXISTING_CHECKS=$(awst "$GLOBAL_REGION" route53 list-health-checks \
    --query "HealthChecks[?starts_with(CallerReference, '$HC_PREFIX')].[CallerReference,Id]")
  # One TCP check on each region's cluster (writer) endpoint. The
  # secondary's reads unhealthy while it is a secondary (its writer endpoint
  # is inactive), so only the PRIMARY record carries a check: a SECONDARY
  # without one counts as healthy, and the record fails over to it.
  ensure_health_check "$PRIMARY_REGION" "$PRIMARY_ENDPOINT"
  HC_PRIMARY=$HC_ID
  ensure_health_check "$SECONDARY_REGION" "$SECONDARY_ENDPOINT"
  HC_SECONDARY=$HC_ID
  step "Route 53 failover records $WRITER_RECORD"
  local want have=""
  want=$(printf 'PRIMARY\t%s\t%s\t%s\nSECONDARY\t%s\t-\t%s' "$PRIMARY_ENDPOINT" "$HC_PRIMARY" "$RECORD_TTL" \
    "$SECONDARY_ENDPOINT" "$RECORD_TTL")
  ((ZONE_NEW)) || have=$(awst "$GLOBAL_REGION" route53 list-resource-record-sets --hosted-zone-id "$ZONE_ID" \
    --query "ResourceRecordSets[?Name=='${WRITER_RECORD}.' && Type=='CNAME'].[Failover, ResourceRecords[0].Value, HealthCheckId || '-', TTL]" |
    sort)
  if [[ "$have" == "$want" ]]; then
    skipped "failover records $WRITER_RECORD are up to date"
  else
    local change
    change=$(awst "$GLOBAL_REGION" route53 change-resource-record-sets --hosted-zone-id "$ZONE_ID" \
      --change-batch "$(record_batch)" --query ChangeInfo.Id)
    created "failover records $WRITER_RECORD (PRIMARY -> $PRIMARY_ENDPOINT, SECONDARY -> $SECONDARY_ENDPOINT)"
    poll "Route 53 change ${change##*/} in sync" change_insync "${change##*/}"
  fi
  TIMES[dns]=$(secs_since "$t0")
}

record_batch() {
  cat <<EOF
{"Comment":"globaldb script stack $STACK","Changes":[
 {"Action":"UPSERT","ResourceRecordSet":{"Name":"$WRITER_RECORD","Type":"CNAME","SetIdentifier":"${STACK}-${PRIMARY_REGION}","Failover":"PRIMARY","TTL":$RECORD_TTL,"ResourceRecords":[{"Value":"$PRIMARY_ENDPOINT"}],"HealthCheckId":"$HC_PRIMARY"}},
 {"Action":"UPSERT","ResourceRecordSet":{"Name":"$WRITER_RECORD","Type":"CNAME","SetIdentifier":"${STACK}-${SECONDARY_REGION}","Failover":"SECONDARY","TTL":$RECORD_TTL,"ResourceRecords":[{"Value":"$SECONDARY_ENDPOINT"}]}}
]}
EOF
}

# --- main --------------------------------------------------------------------

main() {
  load_password
  print_config
  [[ "$PRIMARY_REGION" != "$SECONDARY_REGION" ]] || die "PRIMARY_REGION and SECONDARY_REGION must differ"
  local t0
  t0=$(now_ms)
  create_iam
  TIMES[iam]=$(secs_since "$t0")
  t0=$(now_ms)
  create_global
  TIMES[global]=$(secs_since "$t0")
  create_region "$PRIMARY_REGION" "$PRIMARY_CLUSTER" primary
  PRIMARY_ENDPOINT=$CLUSTER_ENDPOINT PRIMARY_READER=$CLUSTER_READER
  create_region "$SECONDARY_REGION" "$SECONDARY_CLUSTER" secondary
  SECONDARY_ENDPOINT=$CLUSTER_ENDPOINT SECONDARY_READER=$CLUSTER_READER
  [[ -n "${PRIMARY_ENDPOINT:-}" && "$PRIMARY_ENDPOINT" != None && -n "${SECONDARY_ENDPOINT:-}" && "$SECONDARY_ENDPOINT" != None ]] ||
    die "the clusters report no endpoints"
  create_dns
  summary
}

summary() {
  local global_ep
  global_ep=$(global_field "$PRIMARY_REGION" Endpoint)
  # GlobalCluster.Endpoint (October 2024) is unknown to older CLIs' models.
  [[ "$global_ep" != None ]] || global_ep="(not in this aws CLI's model)"
  cat <<EOF

== stack $STACK: $CREATED created, $SKIPPED skipped, $(secs_since "$T_START") s
global cluster     $GLOBAL_ID   writer endpoint $global_ep
primary writer     $PRIMARY_ENDPOINT:$DB_PORT   ($PRIMARY_REGION)
primary reader     $PRIMARY_READER
secondary writer   $SECONDARY_ENDPOINT   (inactive until promoted)
secondary reader   $SECONDARY_READER   ($SECONDARY_REGION)
hosted zone        $ZONE_NAME ($ZONE_ID)
health checks      $HC_PRIMARY ($PRIMARY_REGION)  $HC_SECONDARY ($SECONDARY_REGION)
failover record    $WRITER_RECORD
timings (s)        iam ${TIMES[iam]}  global ${TIMES[global]}  primary ${TIMES[primary]}  secondary ${TIMES[secondary]}  route53 ${TIMES[dns]}
EOF
}

main "$@"
