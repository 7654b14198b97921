# Shared paths and helpers for the local control plane scripts (sourced, not run).
# Everything the scripts make lives under $NETCITY_CLUSTER_CACHE (default: <repo>/.cache/cluster,
# gitignored): binaries per version, the Go build cache, and the per-run state in run/.

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CLUSTER_DIR/../.." && pwd)"
CACHE_DIR="${NETCITY_CLUSTER_CACHE:-$REPO_ROOT/.cache/cluster}"
RUN_DIR="$CACHE_DIR/run"
BUILD_DIR="$CLUSTER_DIR/build"

# Loopback ports; override when something else holds one.
APISERVER_PORT="${NETCITY_APISERVER_PORT:-16443}"
ETCD_PORT="${NETCITY_ETCD_PORT:-12379}"
ETCD_PEER_PORT="${NETCITY_ETCD_PEER_PORT:-12380}"
KCM_PORT="${NETCITY_KCM_PORT:-10357}"
SCHEDULER_PORT="${NETCITY_SCHEDULER_PORT:-10359}"
KWOK_PORT="${NETCITY_KWOK_PORT:-10350}"
FAKE_RELAY_PORT="${NETCITY_FAKE_RELAY_PORT:-14245}"
NODE_COUNT="${NETCITY_CLUSTER_NODES:-3}"
# The namespace the restricted user may read; the rest of the city is hidden from it.
RESTRICTED_NS="${NETCITY_RESTRICTED_NS:-shop}"
# The only namespace where kwok runs exec'd commands (on this machine, in $RUN_DIR/exec).
EXEC_NS="${NETCITY_EXEC_NS:-netcity-exec}"

log() { printf '[cluster %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Version of one module as required by a wrapper go.mod (one source of truth: the go.mod).
module_version() { # <wrapper dir> <module path>
  awk -v m="$2" '($1 == m || ($1 == "require" && $2 == m)) && $0 !~ /=>/ { print ($1 == "require" ? $3 : $2); exit }' "$BUILD_DIR/$1/go.mod"
}

# Binaries are cached per component, version and a hash of the wrapper's go.mod and go.sum, so
# any change of pins builds anew and an unchanged tree reuses the build.
component_key() { # <wrapper dir> <module path> [extra build flags that change the output]
  local v h
  v="$(module_version "$1" "$2")"
  h="$({ cat "$BUILD_DIR/$1/go.mod" "$BUILD_DIR/$1/go.sum"; [ -n "${3:-}" ] && printf '%s' "$3"; } | sha256sum | cut -c1-12)"
  printf '%s-%s-%s' "$1" "$v" "$h"
}

# The release version stamped into the Kubernetes binaries, as the release build does; without it
# /version answers "v0.0.0-master" and clients that parse it (the app, kwok) see no real version.
kube_version_ldflags() {
  local v major minor pkg
  v="$(module_version kube k8s.io/kubernetes)"
  major="${v#v}"; major="${major%%.*}"
  minor="${v#v*.}"; minor="${minor%%.*}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    printf -- '-X %s.gitVersion=%s -X %s.gitMajor=%s -X %s.gitMinor=%s -X %s.gitTreeState=clean ' \
      "$pkg" "$v" "$pkg" "$major" "$pkg" "$minor" "$pkg"
  done
}

kube_bin_dir() { printf '%s/bin/%s' "$CACHE_DIR" "$(component_key kube k8s.io/kubernetes "$(kube_version_ldflags)")"; }
etcd_bin_dir() { printf '%s/bin/%s' "$CACHE_DIR" "$(component_key etcd go.etcd.io/etcd/server/v3)"; }
kwok_bin_dir() { printf '%s/bin/%s' "$CACHE_DIR" "$(component_key kwok sigs.k8s.io/kwok)"; }
