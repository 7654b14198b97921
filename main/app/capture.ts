/**
 * Live flow capture from Hubble Relay (or Calico Goldmane, source 'goldmane') into a city: by
 * address, or by a port-forward to the hubble-relay (goldmane) Service through the city's own
 * cluster connection. Flows are merged into the city
 * about once a second (one city.changed event), and auto-saved to a .netcity file (created when
 * the first flow arrives, never for a capture that received nothing) so a crash loses at most
 * about a second of flows. The capture's state (city.capture) says what is happening:
 * connecting → capturing (n flows/s) → stalled (connected, no flows) or unreachable (why,
 * retrying with backoff) → stopped.
 */
import { readFileSync } from 'node:fs';
import { HubbleCapture } from '../flows/hubble-capture.js';
import { HubbleClient, type ServerStatus } from '../flows/hubble-client.js';
import type { FlowQuery } from '../flows/flow-query.js';
import { relayConnector, snapshotRelayLister } from '../flows/relay-locator.js';
import type { CaptureWarning, FlowRecord } from '../model/types.js';
import { SnapshotWriter } from '../store/index.js';
import { SnapshotLibrary } from '../store/library.js';
import type { CityRegistry, EventSink, Tasks, WithSettings } from './ports.js';
import type { ArgsOf, CaptureView, ResultOf } from '../api/contract.js';
import type { ClusterConnection } from '../cluster/connection.js';
import { mergeFlows, seededAggregator } from '../flows/ingest.js';
import { resolverFromInventory } from '../flows/flow-inventory.js';
import { GoldmaneCapture } from '../flows/goldmane-capture.js';
import { GoldmaneClient, goldmaneConnector } from '../flows/goldmane-client.js';
import type { StreamState } from '../flows/hubble-client.js';

/** What the capture area drives: Hubble's capture, or Goldmane's behind the same calls. */
interface LiveCapture {
  onFlows(l: (f: FlowRecord[]) => void): unknown;
  onWarning(l: (w: CaptureWarning) => void): unknown;
  onStatus(l: (s: ServerStatus) => void): unknown;
  onState(l: (s: StreamState) => void): unknown;
  start(q: FlowQuery): Promise<unknown>;
  stop(): Promise<unknown>;
  stats(): { flows: number; error?: string };
}

/** Calico Goldmane as a LiveCapture: no server status or warnings of its own; `since` is where the stream starts. */
function goldmaneLive(g: GoldmaneCapture): LiveCapture {
  return {
    onFlows: (l) => g.onFlows(l),
    onWarning: () => undefined,
    onStatus: () => undefined,
    onState: (l) => g.onState(l),
    start: (q) => g.start(q.since instanceof Date ? q.since.getTime() : q.since),
    stop: () => g.stop(),
    stats: () => g.stats(),
  };
}

/** Connected but no flow for this long: the capture is "stalled". */
export const STALL_MS = 10_000;

function statusText(s: ServerStatus): string {
  const parts = [`Relay: ${s.numFlows ?? '?'} / ${s.maxFlows ?? '?'} flows buffered`];
  if (s.flowsRate !== undefined) parts.push(`${Math.round(s.flowsRate)} flows/s`);
  if (s.numUnavailableNodes) parts.push(`${s.numUnavailableNodes} nodes unavailable`);
  return parts.join(', ');
}

export function captureArea(b: CityRegistry & EventSink & Tasks & WithSettings, connectionOf: (cityId: string) => ClusterConnection | undefined) {
  const captures = new Map<string, { capture: LiveCapture; taskId: string }>();
  return {
    async start(a: ArgsOf<'capture.start'>): Promise<ResultOf<'capture.start'>> {
      const city = b.city(a.cityId);
      if (captures.has(city.id)) throw new Error(`${city.snapshot.name}: a capture is already running; stop it first`);
      if (a.source === 'probe') throw new Error('Flow probes create a DaemonSet in the cluster: open Probe → Flow probes to review the plan and consent first.');
      const conn = connectionOf(city.id);
      const goldmane = a.source === 'goldmane';
      const what = goldmane ? 'Goldmane' : 'Hubble Relay';
      if (!a.address && !conn) throw new Error(`${city.snapshot.name} is not connected to a cluster: give ${what}'s address (host:port), or connect to the cluster first`);
      const tls = a.tls
        ? {
            ca: a.tls.caPath ? readFileSync(a.tls.caPath) : undefined,
            cert: a.tls.certPath ? readFileSync(a.tls.certPath) : undefined,
            key: a.tls.keyPath ? readFileSync(a.tls.keyPath) : undefined,
            serverName: a.tls.serverName,
          }
        : undefined;
      const forward = async (ns: string, pod: string, port: number) => conn!.forwardPort({ namespace: ns, pod, port });
      const aggregator = seededAggregator(city.evidence);
      let client: { target: string };
      let capture: LiveCapture;
      if (goldmane) {
        const gc = a.address
          ? new GoldmaneClient({ address: a.address, tls })
          : new GoldmaneClient({ label: 'goldmane via port-forward', tls, connect: goldmaneConnector(snapshotRelayLister(() => city.evidence), forward) });
        const g = new GoldmaneCapture(gc, { aggregator, inventory: city.evidence });
        client = g;
        capture = goldmaneLive(g);
      } else {
        const hc = a.address
          ? new HubbleClient({ address: a.address, tls })
          : new HubbleClient({ label: 'hubble-relay via port-forward', tls, connect: relayConnector(snapshotRelayLister(() => city.evidence), forward) });
        client = hc;
        capture = new HubbleCapture(hc, {
          aggregator,
          maxRawFlows: 0,
          mapping: { source: 'hubble', resolver: resolverFromInventory(city.evidence) },
        });
      }
      const view: CaptureView = { state: 'connecting', target: client.target, flows: 0, flowsPerSecond: 0, startedAt: Date.now() };
      city.capture = view;
      const publish = () => b.cityChanged(city.id, 'capture-state');
      let connectedAt: number | undefined;
      let relayNodes: number | undefined;
      // Auto-save once flows arrive: an existing file gets them appended; otherwise a new library file.
      let writer: SnapshotWriter | undefined;
      let saveTried = false;
      const openWriter = () => {
        if (saveTried) return;
        saveTried = true;
        try {
          if (city.filePath) writer = SnapshotWriter.append(city.filePath);
          else {
            const lib = new SnapshotLibrary(b.settings.snapshotDir);
            const path = lib.pathOf(lib.save(city.snapshot, `${city.snapshot.name} capture`));
            writer = SnapshotWriter.append(path);
            city.filePath = path;
          }
          view.file = city.filePath;
        } catch (err) {
          b.emit('notice', { level: 'warning', message: `Capture is not auto-saved: ${(err as Error).message}` });
        }
      };
      let pending: FlowRecord[] = [];
      let warnings: CaptureWarning[] = [];
      let total = 0;
      const merge = (): boolean => {
        if (!pending.length && !warnings.length) return false;
        city.update(mergeFlows(city.evidence, pending, aggregator, warnings, b.settings.maxRawFlows), { policiesChanged: false });
        b.cityChanged(city.id, 'capture', { added: pending.length });
        pending = [];
        warnings = [];
        return true;
      };
      capture.onFlows((batch) => {
        total += batch.length;
        view.lastFlowAt = Date.now();
        pending.push(...batch);
        openWriter();
        writer?.addFlows(batch);
      });
      capture.onWarning((w) => {
        warnings.push(w);
        if (w.kind === 'lost-events' || w.kind === 'node-unavailable') b.emit('notice', { level: 'warning', message: `Hubble: ${w.message}` });
      });
      capture.onStatus((s) => {
        city.statusMessage = statusText(s);
        relayNodes = s.numConnectedNodes;
      });
      capture.onState((s) => {
        if (s.state === 'connecting') {
          // After a failure it stays "unreachable" while the next attempt runs.
          if (view.state !== 'unreachable') view.state = 'connecting';
          view.attempt = s.attempt;
          view.retryAt = undefined;
        } else if (s.state === 'streaming') {
          connectedAt = Date.now();
          Object.assign(view, { state: 'capturing', reason: undefined, retryAt: undefined, attempt: undefined });
        } else if (s.state === 'reconnecting') {
          connectedAt = undefined;
          Object.assign(view, {
            state: 'unreachable',
            reason: `${s.error}. Check the address and that ${goldmane ? 'Goldmane is running (Calico 3.30+, the Goldmane custom resource)' : 'Hubble Relay is running (cilium hubble enable)'}; retrying with backoff.`,
            attempt: s.attempt,
            retryAt: Date.now() + s.delayMs,
          });
        } else if (s.state === 'failed') {
          Object.assign(view, { state: 'unreachable', reason: s.error, retryAt: undefined });
        }
        publish();
      });
      // Once a second: merge, flows/s, stalled or capturing again.
      let lastTotal = 0;
      let lastTick = Date.now();
      const tick = () => {
        const now = Date.now();
        const merged = merge();
        const before = `${view.state}|${view.flows}|${view.flowsPerSecond}`;
        view.flowsPerSecond = Math.round(((total - lastTotal) * 1000) / Math.max(1, now - lastTick));
        view.flows = total;
        lastTotal = total;
        lastTick = now;
        if (connectedAt !== undefined && (view.state === 'capturing' || view.state === 'stalled')) {
          const quietSince = Math.max(connectedAt, view.lastFlowAt ?? 0);
          if (now - quietSince >= STALL_MS) {
            view.state = 'stalled';
            view.reason = `connected to ${client.target}, but no flow for ${Math.round((now - quietSince) / 1000)} s: ${
              relayNodes === 0 ? 'Relay reports no connected node' : 'no traffic matches the filters, or Relay has no node connected (check `hubble status`)'
            }`;
          } else if (view.state === 'stalled') Object.assign(view, { state: 'capturing', reason: undefined });
        }
        if (!merged && before !== `${view.state}|${view.flows}|${view.flowsPerSecond}`) publish();
      };
      const query: FlowQuery = {
        follow: true,
        last: a.last,
        since: a.since,
        include: a.filters ? { namespaces: a.filters.namespaces, pods: a.filters.pods, labels: a.filters.labels, verdicts: a.filters.verdicts, protocols: a.filters.protocols?.map((p) => p.toLowerCase()), ports: a.filters.ports } : undefined,
      };
      const previous = city.status;
      city.status = 'capturing';
      const { taskId } = b.tasks.start(`Capturing flows (${client.target})`, async (task) => {
        const timer = setInterval(() => {
          tick();
          task.progress(total, undefined, view.state === 'capturing' ? `${view.flowsPerSecond} flows/s` : view.state);
        }, 1000);
        task.signal.addEventListener('abort', () => void capture.stop(), { once: true });
        try {
          await capture.start(query);
        } finally {
          clearInterval(timer);
          merge();
          writer?.putRoads(aggregator.roads());
          writer?.close();
          captures.delete(city.id);
          city.status = previous === 'capturing' ? 'ready' : previous;
          const err = capture.stats().error;
          Object.assign(view, {
            state: 'stopped',
            flows: total,
            flowsPerSecond: 0,
            retryAt: undefined,
            reason:
              err && !task.signal.aborted
                ? err
                : `${total.toLocaleString()} flows received${view.file ? `, saved to ${view.file}` : total ? '' : '; nothing was saved'}`,
          });
          b.cityChanged(city.id, 'capture-stopped');
        }
        const err = capture.stats().error;
        if (err && !task.signal.aborted) throw new Error(`${err} (${total.toLocaleString()} flows received before were kept)`);
      });
      captures.set(city.id, { capture, taskId });
      b.cityChanged(city.id, 'capture-started');
      return { taskId };
    },
    async stop(cityId: string): Promise<ResultOf<'capture.stop'>> {
      const c = captures.get(cityId);
      if (!c) throw new Error(`no capture is running in ${cityId}`);
      b.tasks.cancel(c.taskId);
      await c.capture.stop();
      return { ok: true, flows: c.capture.stats().flows };
    },
  };
}
