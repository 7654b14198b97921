/** The cluster connection's public surface, for the API layer and the CLI. Nothing here returns credentials. */
export { listContexts, resolveContext, loadKubeconfig, type ContextInfo, type AuthKind, type KubeconfigSource, type ListOptions } from './kubeconfig.js';
export {
  ClusterConnection,
  type ClusterChange,
  type ConnectionStatus,
  type ConnectionState,
  type ConnectOptions,
  type ResourceStatus,
} from './connection.js';
export type { InventoryChange, KindChange } from './inventory.js';
export { ClusterError, type ClusterErrorCode } from './errors.js';
export { captureLiveSnapshot, type LiveSnapshotOptions } from './live-snapshot.js';
export { forwardPort, type ForwardedPort, type ForwardOptions } from './port-forward.js';
export { detectRoadBuilder, roadBuilderFindings, roadBuilderLabel, type CniInputs } from './cni-detect.js';
export { loginShellPath } from './login-path.js';
