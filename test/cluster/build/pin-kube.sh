#!/usr/bin/env bash
# Pins build/kube to one Kubernetes release: requires k8s.io/kubernetes vX.Y.Z and replaces every
# staging module that its go.mod lists as v0.0.0 with the published v0.Y.Z, then `go mod tidy`.
# Usage: test/cluster/build/pin-kube.sh v1.37.2      (then commit build/kube/go.mod and go.sum)
set -euo pipefail
version="${1:?usage: pin-kube.sh vX.Y.Z (a k8s.io/kubernetes release)}"
[[ "$version" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || { echo "pin-kube.sh: '$version' is not a release like v1.37.2" >&2; exit 2; }
staging="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/kube" && pwd)"
modfile=$(cd "$dir" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$version" |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("GoMod") or sys.exit("go mod download: " + d.get("Error","no GoMod")))')
modules=$(awk '/^[[:space:]]+k8s\.io\/[^[:space:]]+ v0\.0\.0$/ { print $1 }' "$modfile")
[ -n "$modules" ] || { echo "pin-kube.sh: no v0.0.0 staging modules in $modfile" >&2; exit 1; }
{
  echo '// Wrapper module: builds the control plane binaries of one Kubernetes release from the'
  echo '// k8s.io/kubernetes module. Staging modules are v0.0.0 in its go.mod (they are replaced by'
  echo '// local paths there), so every one is pinned here to the published v0.X.Y of the same release.'
  echo '// Regenerate with test/cluster/build/pin-kube.sh.'
  echo 'module netcity.test/cluster/kube'
  echo
  echo "go $(awk '$1 == "go" { print $2; exit }' "$modfile")"
  echo
  echo "require k8s.io/kubernetes $version"
  echo
  echo 'tool ('
  echo '	k8s.io/kubernetes/cmd/kube-apiserver'
  echo '	k8s.io/kubernetes/cmd/kube-controller-manager'
  echo '	k8s.io/kubernetes/cmd/kube-scheduler'
  echo ')'
  echo
  echo 'replace ('
  for m in $modules; do printf '\t%s => %s %s\n' "$m" "$m" "$staging"; done
  echo ')'
} >"$dir/go.mod"
rm -f "$dir/go.sum"
(cd "$dir" && GOFLAGS=-mod=mod go mod tidy)
echo "pinned $dir to k8s.io/kubernetes $version (staging $staging, $(echo "$modules" | wc -l) modules)"
