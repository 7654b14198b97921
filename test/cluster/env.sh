# Source this after up.sh:  source test/cluster/env.sh
# Exports KUBECONFIG and the NETCITY_TEST_* variables the real-cluster integration tests read.
_netcity_cache="${NETCITY_CLUSTER_CACHE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.cache/cluster}"
if [ -f "$_netcity_cache/env" ]; then
  # shellcheck disable=SC1091
  source "$_netcity_cache/env"
  export KUBECONFIG="$NETCITY_TEST_KUBECONFIG"
else
  echo "test/cluster/env.sh: $_netcity_cache/env not found: start the control plane first (test/cluster/up.sh)" >&2
fi
unset _netcity_cache
