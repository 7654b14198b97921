/** Public API of the probes: what the app's API layer, the CLI and the UI wire in. */
export { parseConntrack, parseConntrackLine, normalizeIPv6, type ConntrackEntry, type ConntrackTuple } from './conntrack-parse.js';
export { ConntrackFlowMapper, flowFromConntrack } from './conntrack-flows.js';
export { AddressIndex, type Inventory } from './address-index.js';
export type { ProbeCluster, KubeObject, ObjectRef, AccessCheck, PodView, ExecResult } from './probe-cluster.js';
export { KubeProbeCluster } from './kube-probe-cluster.js';
export { ProbePlan, describePlan, checkPlanPermissions, plannedPermissions, assertPlanPermitted, ProbeRefusedError, EPHEMERAL_WARNING } from './plan.js';
export { runConfirmedPlan, ProbeNotConfirmedError, type CleanupReport } from './run.js';
export { cleanupLeftovers, type LeftoverReport } from './cleanup.js';
export { planFlows, FlowCapture, type FlowCaptureOptions, type FlowCaptureSummary } from './flow-capture.js';
export { planEnforcement, runEnforcement, type EnforcementReport, type CapabilityResult } from './enforcement.js';
export { planPath, runPath, parsePathTarget, type PathRequest, type PathTarget } from './path-check.js';
export { planMatrix, runMatrix, representatives, matrixChecks, estimateMatrix, type MatrixReport, type MatrixProgress } from './matrix.js';
export { mismatchFindings, type Predict } from './mismatch.js';
export { mergeProbeResults, withProbeResults } from './results.js';
export { DEFAULT_PROBE_IMAGE } from './manifests.js';
