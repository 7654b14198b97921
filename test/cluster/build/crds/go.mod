// Pins the Network Policy API release whose CRD manifests (AdminNetworkPolicy and
// BaselineAdminNetworkPolicy, policy.networking.k8s.io/v1alpha1) crds.sh installs. The module is
// only downloaded into the Go module cache (verified by go.sum), never built or copied in.
// v0.1.x is the last line that ships ANP/BANP; v0.3 replaced them with ClusterNetworkPolicy.
module netcity.test/cluster/crds

go 1.26.0

require sigs.k8s.io/network-policy-api v0.1.7
