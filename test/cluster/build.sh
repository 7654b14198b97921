#!/usr/bin/env bash
# Builds (once, then cached) the control plane binaries from Go modules:
#   kube-apiserver, kube-controller-manager, kube-scheduler  <- k8s.io/kubernetes (build/kube)
#   etcd                                                      <- go.etcd.io/etcd/server/v3 (build/etcd)
#   kwok                                                      <- sigs.k8s.io/kwok (build/kwok)
# Each wrapper module pins its dependencies; binaries land in $CACHE_DIR/bin/<component>-<version>-<hash>/.
# Usage: build.sh [kube|etcd|kwok ...]   (default: all). Timings go to $CACHE_DIR/build-times.log.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v go >/dev/null || die "go not found on PATH: the control plane is built from Go modules (Go >= 1.26 needed)"
mkdir -p "$CACHE_DIR/bin" "$CACHE_DIR/go-build"
export GOCACHE="${NETCITY_CLUSTER_GOCACHE:-$CACHE_DIR/go-build}"
# -trimpath and a stripped link keep the cache reusable across checkouts and the link step short.
export GOFLAGS="-trimpath -buildvcs=false -mod=readonly"
export CGO_ENABLED=0
BUILD_LOG="${NETCITY_CLUSTER_BUILD_LOG:-$CACHE_DIR/build.log}"
export GOTOOLCHAIN=local

build_one() { # <wrapper> <bin dir> <extra ldflags> <package...>
  local wrapper="$1" out="$2" ldflags="-s -w $3"; shift 3
  if [ -f "$out/.complete" ]; then
    log "$wrapper: cached in $out"
    return 0
  fi
  local partial="$out.partial" start end
  rm -rf "$partial"; mkdir -p "$partial"
  log "$wrapper: building $* (log: $BUILD_LOG)"
  start=$(date +%s)
  # nice: the machine is shared; a build must not starve tests running beside it.
  if ! (cd "$BUILD_DIR/$wrapper" && nice -n 5 go build -ldflags="$ldflags" -o "$partial/" "$@") >>"$BUILD_LOG" 2>&1; then
    tail -30 "$BUILD_LOG" >&2
    die "$wrapper: go build failed (full log: $BUILD_LOG)"
  fi
  end=$(date +%s)
  # go names a binary built from a /vN module root after the element before it (etcd -> "server").
  [ -f "$partial/server" ] && mv "$partial/server" "$partial/etcd"
  touch "$partial/.complete"
  rm -rf "$out"; mv "$partial" "$out"
  printf '%s %s %ss gocache=%s\n' "$(date -u +%FT%TZ)" "$(basename "$out")" "$((end - start))" "$GOCACHE" >>"$CACHE_DIR/build-times.log"
  log "$wrapper: built in $((end - start))s"
}

# One build at a time per cache: a build started early in the background (CI) and run.sh's own
# call must not both write the same output; the second waits, then finds the binaries cached.
exec 9>"$CACHE_DIR/build.lock"
if ! flock -n 9; then
  log "another build holds $CACHE_DIR/build.lock; waiting for it"
  flock 9
fi

want="${*:-etcd kwok kube}"
for c in $want; do
  case "$c" in
    etcd) build_one etcd "$(etcd_bin_dir)" "" go.etcd.io/etcd/server/v3 ;;
    kwok) build_one kwok "$(kwok_bin_dir)" "" sigs.k8s.io/kwok/cmd/kwok ;;
    kube) build_one kube "$(kube_bin_dir)" "$(kube_version_ldflags)" k8s.io/kubernetes/cmd/kube-apiserver \
            k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler ;;
    *) die "build.sh: unknown component '$c' (have: etcd kwok kube)" ;;
  esac
done
