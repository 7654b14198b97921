/**
 * Live clusters: contexts from the kubeconfig, and one connection per context whose inventory
 * keeps its city current. Watch changes reach the UI as incremental, batched city.changed events;
 * flows, probes, positions and notes of the city survive every update. Credentials stay here.
 */
import { ClusterConnection, type ClusterChange, type ConnectionStatus } from '../cluster/connection.js';
import { ClusterError } from '../cluster/errors.js';
import { kubeconfigFiles, listContexts } from '../cluster/kubeconfig.js';
import type { Snapshot } from '../model/types.js';
import type { CityRegistry, EventSink, Tasks } from './ports.js';
import type { ListOptions } from '../cluster/kubeconfig.js';
import type { ArgsOf, CitySummary, ResultOf } from '../api/contract.js';

/**
 * The live inventory with the evidence the city gathered itself (flows, probes, notes...). Give
 * it the city's evidence (`city.evidence`): findings are not carried over, the city derives them
 * (mismatches included) from the new inventory and policies.
 */
export function withCityState(live: Snapshot, city: Snapshot): Snapshot {
  return {
    ...live,
    id: city.id,
    name: city.name,
    flows: city.flows,
    roads: city.roads,
    probes: city.probes,
    positions: city.positions,
    notes: city.notes,
    window: city.window,
    warnings: [...live.warnings, ...city.warnings.filter((w) => w.kind !== 'not-permitted')].slice(-5000),
    findings: live.findings,
  };
}

function changeCounts(c: ClusterChange) {
  let added = 0;
  let updated = 0;
  let removed = 0;
  for (const k of [c.namespaces, c.nodes, c.workloads, c.pods, c.services, c.policies]) {
    if (!k) continue;
    added += k.added.length;
    updated += k.updated.length;
    removed += k.removed.length;
  }
  return { added, updated, removed };
}

/** Where kubeconfig is read and which exec plugins the user allowed (the Backend's, credentials stay in main). */
export interface KubeconfigAccess {
  kubeconfigSource(path?: string): ListOptions;
  readonly execTrust: { has(digest: string): boolean; add(digest: string): void };
  /** The kubeconfig given at start (`--kubeconfig`), recorded with a live city for its probes. */
  readonly defaultKubeconfigPath?: string;
}

/** Live clusters as cities: contexts, exec-plugin consent, connect (a city kept current by the informers). */
export function clusterArea(b: CityRegistry & EventSink & Tasks & KubeconfigAccess & { selected?: string }) {
  const connections = new Map<string, ClusterConnection>();
  const targets = new Map<string, { context: string; kubeconfigPath?: string }>();
  return {
    /** Which context (and kubeconfig) a live city came from: probes open their own client on it. */
    target(cityId: string) {
      return targets.get(cityId);
    },
    connection(cityId: string): ClusterConnection | undefined {
      return connections.get(cityId);
    },
    async listContexts(path?: string): Promise<ResultOf<'contexts.list'>> {
      const source = b.kubeconfigSource(path);
      let files: string[] = [];
      try {
        files = kubeconfigFiles(source);
        const contexts = await listContexts(source);
        return { contexts: contexts.map(({ file: _file, ...c }) => (c.execDigest ? { ...c, execAllowed: b.execTrust.has(c.execDigest) } : c)), files };
      } catch (err) {
        return { contexts: [], files, error: (err as Error).message };
      }
    },
    /** Records the user's confirmation of an exec plugin, if the file and command are still the ones shown. */
    async allowExec(a: ArgsOf<'cluster.allowExec'>): Promise<{ ok: true }> {
      const ctx = (await listContexts(b.kubeconfigSource(a.kubeconfigPath))).find((c) => c.name === a.context);
      if (!ctx?.execDigest) throw new ClusterError('context-not-found', `context '${a.context}' runs no exec plugin in this kubeconfig; reload the list`);
      if (ctx.execDigest !== a.digest)
        throw new ClusterError('exec-not-confirmed', `the kubeconfig of context '${a.context}' changed since it was shown; reload the list and check the command again`);
      b.execTrust.add(a.digest);
      return { ok: true };
    },
    async connect(a: ArgsOf<'cluster.connect'>): Promise<CitySummary> {
      const id = `live:${a.context}`;
      if (b.has(id)) {
        b.selected = id;
        return b.summary(id);
      }
      const conn = new ClusterConnection();
      const { taskId, done } = b.tasks.start(`Connecting to ${a.context}`, async (task) => {
        task.signal.addEventListener('abort', () => conn.close(), { once: true });
        await conn.connect(a.context, { namespaces: a.namespaces, kubeconfig: b.kubeconfigSource(a.kubeconfigPath), signal: task.signal });
      }, { awaited: true });
      void taskId;
      try {
        await done;
      } catch (err) {
        conn.close();
        throw err;
      }
      const city = b.addCity('live', conn.snapshot(), { id });
      connections.set(id, conn);
      targets.set(id, { context: a.context, kubeconfigPath: a.kubeconfigPath ?? b.defaultKubeconfigPath });
      city.status = 'live';
      conn.on('change', (change) => {
        if (!b.has(id)) return;
        const policiesChanged = !!change.policies || !!change.pods || !!change.namespaces;
        city.update(withCityState(conn.snapshot(), city.evidence), { policiesChanged });
        b.cityChanged(id, 'watch', changeCounts(change));
      });
      conn.on('status', (s: ConnectionStatus) => {
        if (!b.has(id)) return;
        const before = city.status;
        city.status = s.state === 'live' ? (city.status === 'capturing' ? 'capturing' : 'live') : s.state === 'stale' || s.state === 'failed' ? 'stale' : city.status;
        city.statusMessage = s.state === 'stale' || s.state === 'failed' ? `${s.lastError?.message ?? 'connection lost'} — showing the last known state` : undefined;
        if (city.status !== before) b.cityChanged(id, 'status');
      });
      conn.on('error', (err) => b.emit('notice', { level: 'warning', message: `${a.context}: ${err.message}` }));
      city.disposers.push(() => {
        conn.close();
        connections.delete(id);
        targets.delete(id);
      });
      return b.summary(id);
    },
  };
}
