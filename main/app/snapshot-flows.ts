/**
 * Flows for a snapshot (`netcity snapshot --context C --flows 60s`): a timed capture from Hubble
 * Relay or Calico Goldmane, reached by address or by a port-forward through the cluster, joined to
 * the snapshot through the one ingest path (flows/ingest.ts). A source that cannot be reached is
 * a warning, not a failure. The cluster and flow modules load only when a capture runs.
 */
import type { Snapshot } from '../model/types.js';
import type { GoldmaneTls } from '../flows/goldmane-client.js';

/** Where a capture reports (the CLI: stderr and its progress line). */
export interface FlowCaptureReport {
  signal: AbortSignal;
  warn(text: string): void;
  progress?(flows: number): void;
}

/** Flows from Hubble Relay for a while, added to a live snapshot; a Relay that cannot be reached is a warning, not a failure. */
export async function withHubbleFlows(snap: Snapshot, context: string, kubeconfigPath: string | undefined, seconds: number, address: string | undefined, report: FlowCaptureReport): Promise<Snapshot> {
  const { captureFlowsInto } = await import('../flows/timed-capture.js');
  const { relayConnector, snapshotRelayLister } = await import('../flows/relay-locator.js');
  const { forwardPort } = await import('../cluster/port-forward.js');
  const connect = address
    ? undefined
    : relayConnector(
        snapshotRelayLister(() => snap),
        (namespace, pod, port) => forwardPort(context, { namespace, pod, port, kubeconfig: kubeconfigPath ? { path: kubeconfigPath } : {} }),
      );
  const r = await captureFlowsInto(snap, {
    seconds,
    address,
    connect,
    label: address ?? 'hubble-relay via port-forward',
    signal: report.signal,
    onProgress: (n) => report.progress?.(n),
  });
  if (r.error) report.warn(`warning: Hubble: ${r.error}${r.flows ? ` (${r.flows} flows received before were kept)` : ''}`);
  if (r.flows === 0) report.warn('warning: no flows were captured: the snapshot holds inventory and policies only');
  return r.snapshot;
}

/** Goldmane is there: the road builder says so, or its Service is in calico-system. */
export function hasGoldmane(snap: Snapshot): boolean {
  return snap.roadBuilder.flowSources.includes('goldmane') || snap.services.some((s) => s.namespace === 'calico-system' && s.name === 'goldmane');
}

/** Flows from Calico Goldmane for a while (Calico's policy trace on each), added like Hubble's; unreachable is a warning. */
export async function withGoldmaneFlows(snap: Snapshot, context: string, kubeconfigPath: string | undefined, seconds: number, address: string | undefined, tls: GoldmaneTls | undefined, report: FlowCaptureReport): Promise<Snapshot> {
  const { captureGoldmaneFlowsInto } = await import('../flows/goldmane-capture.js');
  const { goldmaneConnector } = await import('../flows/goldmane-client.js');
  const { snapshotRelayLister } = await import('../flows/relay-locator.js');
  const { forwardPort } = await import('../cluster/port-forward.js');
  const connect = address
    ? undefined
    : goldmaneConnector(snapshotRelayLister(() => snap), (namespace, pod, port) => forwardPort(context, { namespace, pod, port, kubeconfig: kubeconfigPath ? { path: kubeconfigPath } : {} }));
  report.warn('flow source: Calico Goldmane');
  const r = await captureGoldmaneFlowsInto(snap, {
    seconds,
    address,
    connect,
    label: address ?? 'goldmane via port-forward',
    tls,
    signal: report.signal,
    onProgress: (n) => report.progress?.(n),
  });
  if (r.error) report.warn(`warning: Goldmane: ${r.error}${r.flows ? ` (${r.flows} flows received before were kept)` : ''}`);
  if (r.flows === 0) report.warn('warning: no flows were captured: the snapshot holds inventory and policies only');
  return r.snapshot;
}

