#!/usr/bin/env bash
# npm run test:cluster: runs test/integration/real-cluster against a real Kubernetes API.
#  - KUBECONFIG set and its current context reachable -> that cluster (kind, minikube, ...);
#  - otherwise builds (cached) and starts the local control plane (up.sh), and stops it at exit.
# The tests install the CRDs NetCity reads and apply the demo scenario themselves (idempotent).
# Env:
#   NETCITY_CLUSTER_BUILD_TIMEOUT  minutes the build may take (default 40); the Go build cache keeps
#                                  what was compiled, so a later run resumes where this one stopped.
#   NETCITY_CLUSTER_OPTIONAL=1     a build that runs out of time, or a machine without Go, is
#                                  reported as skipped (exit 0) instead of failing.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

BUDGET_MIN="${NETCITY_CLUSTER_BUILD_TIMEOUT:-40}"
skip_or_fail() { # <reason>
  if [ "${NETCITY_CLUSTER_OPTIONAL:-}" = "1" ]; then
    echo "test:cluster skipped: $1"
    exit 0
  fi
  die "test:cluster: $1"
}

reachable() { # <kubeconfig>: the current context answers /version within 10 s
  KUBECONFIG="$1" timeout 20 node --input-type=module -e '
    import * as k8s from "@kubernetes/client-node";
    const kc = new k8s.KubeConfig(); kc.loadFromDefault();
    const v = await kc.makeApiClient(k8s.VersionApi).getCode();
    console.error(`cluster ${kc.getCurrentContext()}: ${kc.getCurrentCluster()?.server} Kubernetes ${v.gitVersion}`);
  ' >&2
}

started=0
if [ -n "${KUBECONFIG:-}" ] && reachable "$KUBECONFIG"; then
  log "using the cluster named by KUBECONFIG=$KUBECONFIG"
  # Settings of the local control plane (a sourced env.sh) do not describe this cluster.
  unset NETCITY_TEST_ADMIN_CONTEXT NETCITY_TEST_RESTRICTED_CONTEXT NETCITY_TEST_RESTRICTED_NS NETCITY_FAKE_RELAY_PORT \
    NETCITY_TEST_CLUSTER_KIND NETCITY_TEST_ETCD_URL NETCITY_TEST_EXEC_NS
  export NETCITY_TEST_KUBECONFIG="$KUBECONFIG"
else
  [ -n "${KUBECONFIG:-}" ] && log "KUBECONFIG=$KUBECONFIG does not answer; starting the local control plane instead"
  command -v go >/dev/null || skip_or_fail "go not found: the local control plane is built from Go modules"
  mkdir -p "$CACHE_DIR"
  t0=$(date +%s)
  timeout "${BUDGET_MIN}m" "$CLUSTER_DIR/build.sh"
  rc=$?
  if [ "$rc" = 124 ]; then
    skip_or_fail "build did not finish within $BUDGET_MIN min (NETCITY_CLUSTER_BUILD_TIMEOUT); the Go build cache keeps its progress"
  elif [ "$rc" != 0 ]; then
    die "test:cluster: build failed (exit $rc); log: $CACHE_DIR/build.log"
  fi
  log "build ready after $(( $(date +%s) - t0 ))s"
  trap '"$CLUSTER_DIR/down.sh"' EXIT
  "$CLUSTER_DIR/up.sh" || die "test:cluster: up.sh failed; logs: $RUN_DIR/logs/"
  started=1
  # shellcheck disable=SC1091
  source "$CACHE_DIR/env"
fi

NETCITY_TEST_CRD_DIR="$("$CLUSTER_DIR/crds.sh")" || die "test:cluster: crds.sh failed"
export NETCITY_TEST_CRD_DIR

t1=$(date +%s)
# One file at a time: the files share one cluster (and kwok forwards to one fake relay port).
npx vitest run --project unit --no-file-parallelism test/integration/real-cluster
rc=$?
log "integration suite finished in $(( $(date +%s) - t1 ))s (exit $rc)"
if [ "$started" = 1 ] && [ "$rc" != 0 ]; then
  log "control plane logs: $RUN_DIR/logs/ (kept: NETCITY_CLUSTER_KEEP_LOGS=1)"
  export NETCITY_CLUSTER_KEEP_LOGS=1
fi
exit "$rc"
