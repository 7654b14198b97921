# Shared paths and helpers for the real Hubble scripts (sourced, not run).
# Everything they make lives under $NETCITY_HUBBLE_CACHE (default: <repo>/.cache/hubble, gitignored):
# the writable copy of the Cilium module, binaries per version, the Go build cache, run state.

HUBBLE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HUBBLE_DIR/../.." && pwd)"
CACHE_DIR="${NETCITY_HUBBLE_CACHE:-$REPO_ROOT/.cache/hubble}"
NODE_DIR="$HUBBLE_DIR/node"

log() { printf '[hubble %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The Cilium version: one source of truth, the node program's go.mod.
cilium_version() {
  awk '($1 == "github.com/cilium/cilium" || ($1 == "require" && $2 == "github.com/cilium/cilium")) && $0 !~ /=>/ { print ($1 == "require" ? $3 : $2); exit }' "$NODE_DIR/go.mod"
}

cilium_bin_dir() { printf '%s/bin/cilium-%s' "$CACHE_DIR" "$(cilium_version)"; }
# Our node program is cached per hash of its sources and pins.
node_bin_dir() {
  printf '%s/bin/node-%s' "$CACHE_DIR" "$(cat "$NODE_DIR"/go.mod "$NODE_DIR"/go.sum "$NODE_DIR"/*.go | sha256sum | cut -c1-12)"
}
