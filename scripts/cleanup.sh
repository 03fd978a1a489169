#!/usr/bin/env bash
# cleanup.sh: delete everything create-aurora-global.sh built, in the order
# AWS requires:
#   1. Route 53: the zone's records, the stack's health checks, the zone;
#   2. every global-cluster member that is not the writer: detach it
#      (remove-from-global-cluster, then poll: membership leaves
#      asynchronously), delete its instances (poll until
#      gone), delete the cluster (no final snapshot; poll
#      until gone);
#   3. the writer (after test-failover.sh it is in SECONDARY_REGION): detach
#      it once it is the last member, delete its instances and the cluster;
#   4. the global cluster; any stack cluster left outside it;
#   5. IAM: detach and delete the roles' policies, delete the roles.
# Safe to re-run: whatever is missing is skipped. No password needed.
#
# Environment (defaults in brackets), the same as create-aurora-global.sh:
#   PRIMARY_REGION [ap-southeast-1]  SECONDARY_REGION [ap-southeast-2]  STACK [gdbscript]
#   ZONE_NAME [${STACK}.globaldb.example.com]  AWS_CLI [aws]  AWS_ENDPOINT_URL (emulator)
#   POLL_INTERVAL, POLL_TIMEOUT [15 s, 3600 s; emulator 1 s, 300 s]
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DELETED=0
T_START=$(now_ms)
declare -A TIMES

deleted() {
  DELETED=$((DELETED + 1))
  log "deleted: $*"
}

# --- Route 53 ----------------------------------------------------------------

delete_dns() {
  step "Route 53: records, health checks, zone $ZONE_NAME"
  local zone id batch
  zone=$(awst "$GLOBAL_REGION" route53 list-hosted-zones-by-name --dns-name "$ZONE_NAME" \
    --query "HostedZones[?Name=='${ZONE_NAME}.'].Id | [0]")
  zone=${zone##*/}
  if [[ "$zone" == None ]]; then
    skip "hosted zone $ZONE_NAME does not exist"
  else
    # A DELETE must repeat each record exactly: build the batch from the
    # listing itself. The apex SOA and NS go with the zone.
    batch=$(awsr "$GLOBAL_REGION" route53 list-resource-record-sets --hosted-zone-id "$zone" \
      --query "ResourceRecordSets[?!(Type=='SOA' || Type=='NS') || Name!='${ZONE_NAME}.'].{Action: 'DELETE', ResourceRecordSet: @}")
    if [[ -z "$batch" || "$(tr -d '[:space:]' <<<"$batch")" == "[]" || "$batch" == null ]]; then
      skip "no records in $ZONE_NAME"
    else
      awsr "$GLOBAL_REGION" route53 change-resource-record-sets --hosted-zone-id "$zone" \
        --change-batch "{\"Changes\": $batch}" >/dev/null
      deleted "records of $ZONE_NAME"
    fi
  fi
  # Health checks after the records that use them.
  local checks
  checks=$(awst "$GLOBAL_REGION" route53 list-health-checks \
    --query "HealthChecks[?starts_with(CallerReference, '$HC_PREFIX')].Id")
  if [[ -z "$checks" || "$checks" == None ]]; then
    skip "no health checks of stack $STACK"
  else
    for id in $checks; do
      awsr "$GLOBAL_REGION" route53 delete-health-check --health-check-id "$id"
      deleted "health check $id"
    done
  fi
  if [[ "$zone" != None ]]; then
    awsr "$GLOBAL_REGION" route53 delete-hosted-zone --id "$zone" >/dev/null
    deleted "hosted zone $ZONE_NAME ($zone)"
  fi
}

# --- RDS ---------------------------------------------------------------------

# detach REGION CLUSTER ARN: remove one member from the global cluster and
# wait until it has left and is available on its own (promoting -> available).
detach() {
  local region=$1 cluster=$2 arn=$3
  # After a failover the old primary may still be rejoining.
  poll "$cluster available before detaching" cluster_is "$region" "$cluster" available
  awsr "$region" rds remove-from-global-cluster --global-cluster-identifier "$GLOBAL_ID" \
    --db-cluster-identifier "$arn" >/dev/null
  log "detaching $cluster from $GLOBAL_ID"
  poll "$cluster to leave $GLOBAL_ID" not_member "$region" "$arn"
  poll "$cluster available after detaching" cluster_is "$region" "$cluster" available
  CLUSTER_STATUS=available
}

not_member() {
  local members
  members=$(global_members "$1") || return 1
  ! grep -qF "$2" <<<"$members"
}

# delete_cluster REGION CLUSTER [STATUS]: its instances (waiting until they
# are gone), then the cluster (polling until it is gone). STATUS, when the
# caller knows it, saves a describe. Missing: skipped.
delete_cluster() {
  local region=$1 cluster=$2 st=${3:-} states id ist t0
  t0=$(now_ms)
  [[ -n "$st" ]] || st=$(cluster_field "$region" "$cluster" Status)
  if [[ "$st" == None ]]; then
    skip "DB cluster $cluster does not exist in $region"
    return 0
  fi
  states=$(cluster_instance_states "$region" "$cluster")
  local ids=()
  while IFS=$'\t' read -r id ist; do
    [[ -n "$id" ]] || continue
    ids+=("$id")
    if [[ "$ist" == deleting ]]; then
      log "DB instance $id is already deleting"
    else
      awsr "$region" rds delete-db-instance --db-instance-identifier "$id" >/dev/null
    fi
  done <<<"$states"
  for id in "${ids[@]}"; do
    poll "DB instance $id deleted" instance_gone "$region" "$id"
    deleted "DB instance $id in $region"
  done
  if [[ "$st" != deleting ]]; then
    awsr "$region" rds delete-db-cluster --db-cluster-identifier "$cluster" --skip-final-snapshot >/dev/null
  fi
  # No cluster waiter in every CLI version: poll.
  poll "DB cluster $cluster to be gone" cluster_is "$region" "$cluster" None
  deleted "DB cluster $cluster in $region"
  TIMES[$cluster]=$(secs_since "$t0")
}

delete_rds() {
  step "RDS: global cluster $GLOBAL_ID and its members"
  local members arn writer="" region cluster handled=" "
  members=$(global_members "$PRIMARY_REGION")
  # Detach and delete the non-writers first; after a failover the writer
  # may be in either region.
  while IFS=$'\t' read -r arn is_writer; do
    [[ -n "$arn" ]] || continue
    if [[ "$is_writer" == True ]]; then
      writer=$arn
      continue
    fi
    region=$(arn_region "$arn")
    cluster=$(arn_name "$arn")
    step "secondary member $cluster in $region"
    detach "$region" "$cluster" "$arn"
    delete_cluster "$region" "$cluster" "$CLUSTER_STATUS"
    handled+="$region/$cluster "
  done <<<"$members"
  if [[ -n "$writer" ]]; then
    region=$(arn_region "$writer")
    cluster=$(arn_name "$writer")
    step "writer member $cluster in $region"
    # The primary can leave only as the last member.
    detach "$region" "$cluster" "$writer"
    delete_cluster "$region" "$cluster" "$CLUSTER_STATUS"
    handled+="$region/$cluster "
  fi
  step "global cluster $GLOBAL_ID"
  if [[ "$(global_field "$PRIMARY_REGION" Status)" == None ]]; then
    skip "global cluster $GLOBAL_ID does not exist"
  else
    awsr "$PRIMARY_REGION" rds delete-global-cluster --global-cluster-identifier "$GLOBAL_ID" >/dev/null
    poll "global cluster $GLOBAL_ID to be gone" global_is "$PRIMARY_REGION" None
    deleted "global cluster $GLOBAL_ID"
  fi
  # Clusters a half-finished run left outside the global cluster.
  step "stack clusters outside the global cluster"
  for pair in "$PRIMARY_REGION/$PRIMARY_CLUSTER" "$SECONDARY_REGION/$SECONDARY_CLUSTER"; do
    [[ "$handled" == *" $pair "* ]] && continue
    delete_cluster "${pair%%/*}" "${pair#*/}"
  done
}

# --- IAM ---------------------------------------------------------------------

delete_role() {
  local role=$1 arn name
  if ! grep -qxF "$role" <<<"$EXISTING_ROLES"; then
    skip "IAM role $role does not exist"
    return 0
  fi
  for arn in $(awst "$GLOBAL_REGION" iam list-attached-role-policies --role-name "$role" \
    --query "AttachedPolicies[].PolicyArn"); do
    [[ "$arn" == None ]] && continue
    awsr "$GLOBAL_REGION" iam detach-role-policy --role-name "$role" --policy-arn "$arn"
    deleted "attachment $arn from $role"
  done
  for name in $(awst "$GLOBAL_REGION" iam list-role-policies --role-name "$role" --query "PolicyNames[]"); do
    [[ "$name" == None ]] && continue
    awsr "$GLOBAL_REGION" iam delete-role-policy --role-name "$role" --policy-name "$name"
    deleted "inline policy $name of $role"
  done
  awsr "$GLOBAL_REGION" iam delete-role --role-name "$role"
  deleted "IAM role $role"
}

delete_iam() {
  step "IAM roles under $IAM_PATH"
  EXISTING_ROLES=$(awst "$GLOBAL_REGION" iam list-roles --path-prefix "$IAM_PATH" --query "Roles[].RoleName" | tr '\t' '\n')
  delete_role "$MONITORING_ROLE"
  delete_role "$OPERATOR_ROLE"
}

main() {
  print_config
  local t0
  t0=$(now_ms)
  delete_dns
  TIMES[route53]=$(secs_since "$t0")
  t0=$(now_ms)
  delete_rds
  TIMES[rds]=$(secs_since "$t0")
  t0=$(now_ms)
  delete_iam
  TIMES[iam]=$(secs_since "$t0")
  printf '\n== stack %s: %d deleted, %s s (route53 %s, rds %s, iam %s)\n' "$STACK" "$DELETED" \
    "$(secs_since "$T_START")" "${TIMES[route53]}" "${TIMES[rds]}" "${TIMES[iam]}"
}

main "$@"
