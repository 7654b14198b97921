#!/usr/bin/env bash
# Builds (once, then cached) the real Hubble pieces the integration tests run:
#   hubble-relay, hubble (CLI)  <- github.com/cilium/cilium at the version pinned in node/go.mod.
#       That module has replace directives, so `go install ...@version` refuses it: it is copied
#       out of the Go module cache into a writable folder and built there with -mod=mod.
#   hubble-node                 <- node/ (our program: Hubble's observer + gRPC server fed from files)
# Usage: build.sh [cilium|node ...] (default: both). Timings go to $CACHE_DIR/build-times.log.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v go >/dev/null || die "go not found on PATH: Hubble is built from Go modules (Go >= 1.24 needed)"
mkdir -p "$CACHE_DIR/bin" "$CACHE_DIR/go-build"
export GOCACHE="${NETCITY_HUBBLE_GOCACHE:-$CACHE_DIR/go-build}"
export CGO_ENABLED=0 GOTOOLCHAIN=local
BUILD_LOG="${NETCITY_HUBBLE_BUILD_LOG:-$CACHE_DIR/build.log}"

build_one() { # <name> <source dir> <bin dir> <GOFLAGS> <package...>
  local name="$1" src="$2" out="$3" flags="$4"; shift 4
  if [ -f "$out/.complete" ]; then
    log "$name: cached in $out"
    return 0
  fi
  local partial="$out.partial" start end
  rm -rf "$partial"; mkdir -p "$partial"
  log "$name: building $* (log: $BUILD_LOG)"
  start=$(date +%s)
  # nice: the machine is shared; a build must not starve tests running beside it.
  if ! (cd "$src" && GOFLAGS="$flags" nice -n 5 go build -trimpath -ldflags="-s -w" -o "$partial/" "$@") >>"$BUILD_LOG" 2>&1; then
    tail -30 "$BUILD_LOG" >&2
    die "$name: go build failed (full log: $BUILD_LOG)"
  fi
  end=$(date +%s)
  touch "$partial/.complete"
  rm -rf "$out"; mv "$partial" "$out"
  printf '%s %s %ss gocache=%s\n' "$(date -u +%FT%TZ)" "$(basename "$out")" "$((end - start))" "$GOCACHE" >>"$CACHE_DIR/build-times.log"
  log "$name: built in $((end - start))s"
}

# A writable copy of the Cilium module (the module cache is read-only).
cilium_src() {
  local v dir mod
  v="$(cilium_version)"
  dir="$CACHE_DIR/src/cilium-$v"
  if [ ! -f "$dir/.complete" ]; then
    mod="$(cd "$NODE_DIR" && GOFLAGS=-mod=mod go mod download -json "github.com/cilium/cilium@$v" | awk -F'"' '$2 == "Dir" { print $4 }')"
    [ -d "$mod" ] || die "could not download github.com/cilium/cilium@$v"
    rm -rf "$dir"; mkdir -p "$(dirname "$dir")"
    cp -r "$mod" "$dir"; chmod -R u+w "$dir"
    touch "$dir/.complete"
  fi
  printf '%s' "$dir"
}

# One build at a time per cache: a build started early in the background and run.sh's own call
# must not both write the same output; the second waits, then finds the binaries cached.
exec 9>"$CACHE_DIR/build.lock"
if ! flock -n 9; then
  log "another build holds $CACHE_DIR/build.lock; waiting for it"
  flock 9
fi

for c in ${*:-cilium node}; do
  case "$c" in
    cilium) build_one cilium "$(cilium_src)" "$(cilium_bin_dir)" "-mod=mod -buildvcs=false" ./hubble ./hubble-relay ;;
    node) build_one node "$NODE_DIR" "$(node_bin_dir)" "-mod=readonly -buildvcs=false" . ;;
    *) die "build.sh: unknown component '$c' (have: cilium node)" ;;
  esac
done
