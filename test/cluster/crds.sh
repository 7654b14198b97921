#!/usr/bin/env bash
# Writes the CRDs NetCity reads into one directory (default: $CACHE_DIR/crds), ready to apply:
#   AdminNetworkPolicy, BaselineAdminNetworkPolicy  <- sigs.k8s.io/network-policy-api (pinned in build/crds)
#   CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy <- crds/cilium.yaml (minimal, ours)
# Prints the directory. Needs Go (the module comes from the Go module proxy into the module cache).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
out="${1:-$CACHE_DIR/crds}"
mkdir -p "$out"
command -v go >/dev/null || die "crds.sh: go not found: the AdminNetworkPolicy CRDs come from the Go module sigs.k8s.io/network-policy-api"
dir=$(cd "$BUILD_DIR/crds" && GOFLAGS=-mod=readonly go mod download -json sigs.k8s.io/network-policy-api |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or sys.exit("go mod download: " + d.get("Error","no Dir")))')
std="$dir/config/crd/standard"
for f in policy.networking.k8s.io_adminnetworkpolicies.yaml policy.networking.k8s.io_baselineadminnetworkpolicies.yaml; do
  [ -f "$std/$f" ] || die "crds.sh: $std/$f not found in sigs.k8s.io/network-policy-api: check the version pinned in $BUILD_DIR/crds/go.mod"
  cp "$std/$f" "$out/$f"
done
cp "$CLUSTER_DIR/crds/cilium.yaml" "$out/cilium.io_policies.yaml"
echo "$out"
