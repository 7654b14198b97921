/**
 * Live flow capture from Hubble Relay into a city: by address, or by a port-forward to the
 * hubble-relay Service through the city's own cluster connection. Flows are merged into the city
 * about once a second (one city.changed event), and auto-saved to a .netcity file so a crash
 * loses at most about a second of flows.
 */
import { readFileSync } from 'node:fs';
import { HubbleCapture } from '../../flows/hubble-capture.js';
import { HubbleClient, type ServerStatus } from '../../flows/hubble-client.js';
import type { FlowQuery } from '../../flows/flow-query.js';
import { relayConnector, snapshotRelayLister } from '../../flows/relay-locator.js';
import type { CaptureWarning, FlowRecord } from '../../model/types.js';
import { SnapshotWriter } from '../../store/index.js';
import { SnapshotLibrary } from '../../store/library.js';
import type { Backend } from '../backend.js';
import type { ArgsOf, ResultOf } from '../contract.js';
import type { ClusterConnection } from '../../cluster/connection.js';
import { mergeFlows, seededAggregator } from './flow-merge.js';
import { resolverFromInventory } from '../../flows/flow-inventory.js';


function statusText(s: ServerStatus): string {
  const parts = [`Relay: ${s.numFlows ?? '?'} / ${s.maxFlows ?? '?'} flows buffered`];
  if (s.flowsRate !== undefined) parts.push(`${Math.round(s.flowsRate)} flows/s`);
  if (s.numUnavailableNodes) parts.push(`${s.numUnavailableNodes} nodes unavailable`);
  return parts.join(', ');
}

export function captureArea(b: Backend, connectionOf: (cityId: string) => ClusterConnection | undefined) {
  const captures = new Map<string, { capture: HubbleCapture; taskId: string }>();
  return {
    async start(a: ArgsOf<'capture.start'>): Promise<ResultOf<'capture.start'>> {
      const city = b.city(a.cityId);
      if (captures.has(city.id)) throw new Error(`${city.snapshot.name}: a capture is already running; stop it first`);
      if (a.source === 'probe') throw new Error('Flow probes create a DaemonSet in the cluster: open Probe → Flow probes to review the plan and consent first.');
      const conn = connectionOf(city.id);
      if (!a.address && !conn) throw new Error(`${city.snapshot.name} is not connected to a cluster: give Hubble Relay's address (host:port), or connect to the cluster first`);
      const tls = a.tls
        ? {
            ca: a.tls.caPath ? readFileSync(a.tls.caPath) : undefined,
            cert: a.tls.certPath ? readFileSync(a.tls.certPath) : undefined,
            key: a.tls.keyPath ? readFileSync(a.tls.keyPath) : undefined,
            serverName: a.tls.serverName,
          }
        : undefined;
      const client = a.address
        ? new HubbleClient({ address: a.address, tls })
        : new HubbleClient({
            label: 'hubble-relay via port-forward',
            tls,
            connect: relayConnector(snapshotRelayLister(() => city.snapshot), async (ns, pod, port) => conn!.forwardPort({ namespace: ns, pod, port })),
          });
      const aggregator = seededAggregator(city.snapshot);
      const capture = new HubbleCapture(client, {
        aggregator,
        maxRawFlows: 0,
        mapping: { source: 'hubble', resolver: resolverFromInventory(city.snapshot) },
      });
      // Auto-save: an existing file gets the flows appended; otherwise a new library file.
      let writer: SnapshotWriter | undefined;
      try {
        if (city.filePath) writer = SnapshotWriter.append(city.filePath);
        else {
          const lib = new SnapshotLibrary(b.settings.snapshotDir);
          const path = lib.pathOf(lib.save(city.snapshot, `${city.snapshot.name} capture`));
          writer = SnapshotWriter.append(path);
          city.filePath = path;
        }
      } catch (err) {
        b.emit('notice', { level: 'warning', message: `Capture is not auto-saved: ${(err as Error).message}` });
      }
      let pending: FlowRecord[] = [];
      let warnings: CaptureWarning[] = [];
      let total = 0;
      const merge = () => {
        if (!pending.length && !warnings.length) return;
        city.update(mergeFlows(city.snapshot, pending, aggregator, warnings, b.settings.maxRawFlows), { policiesChanged: false });
        b.cityChanged(city.id, 'capture', { added: pending.length });
        pending = [];
        warnings = [];
      };
      capture.onFlows((batch) => {
        total += batch.length;
        pending.push(...batch);
        writer?.addFlows(batch);
      });
      capture.onWarning((w) => {
        warnings.push(w);
        if (w.kind === 'lost-events' || w.kind === 'node-unavailable') b.emit('notice', { level: 'warning', message: `Hubble: ${w.message}` });
      });
      capture.onStatus((s) => {
        city.statusMessage = statusText(s);
      });
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
          merge();
          task.progress(total, undefined, city.statusMessage);
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
