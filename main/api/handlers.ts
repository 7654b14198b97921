/**
 * One handler per API method. Arguments arrive validated (see contract.ts); each handler is a
 * short delegation to the module that owns the work.
 */
import { explainRoad } from '../city/explain.js';
import { flowPage, flowsCsv } from '../city/flow-page.js';
import { nodeDetails } from '../city/details.js';
import { searchCity } from '../city/search.js';
import { timelineBuckets } from '../city/timeline.js';
import type { ArgsOf, MethodName, ResultOf } from './contract.js';
import { toWireMap } from '../map/model.js';
import type { Backend } from './backend.js';
import { captureArea } from '../app/capture.js';
import { clusterArea } from '../app/live.js';
import { exportArea } from '../app/export.js';
import { filesArea } from '../app/files.js';
import { inspectFlows } from '../app/flow-inspect.js';
import { probeUseCases } from '../app/probes.js';
import { resolveContext } from '../cluster/kubeconfig.js';
import { KubeProbeCluster } from '../probes/kube-probe-cluster.js';
import { whatIfPreview, whatIfStaged } from '../app/whatif.js';
import { addNote, setPositions } from '../app/review.js';


export { MAX_POSITIONS, MAX_NOTES, MAX_NOTES_CHARS } from '../app/review.js';

export type Handlers = { [M in MethodName]: (args: ArgsOf<M>) => Promise<ResultOf<M>> };

export function createHandlers(b: Backend): Handlers {
  const cluster = clusterArea(b);
  const files = filesArea(b);
  const capture = captureArea(b, (id) => cluster.connection(id));
  const probes = probeUseCases({
    cities: b,
    tasks: b.tasks,
    events: b,
    settings: () => b.settings,
    clusterOf: async (cityId) => {
      const target = cluster.target(cityId);
      if (!target) return undefined;
      const { kubeConfig } = await resolveContext(target.context, b.kubeconfigSource(target.kubeconfigPath));
      return { cluster: new KubeProbeCluster(kubeConfig, target.context), context: target.context };
    },
  });
  const exporter = exportArea(b);
  return {
    'contexts.list': (a) => cluster.listContexts(a.kubeconfigPath),
    'cluster.connect': (a) => cluster.connect(a),
    'cluster.allowExec': (a) => cluster.allowExec(a),
    'cities.list': async () => [...b.cities.keys()].map((id) => b.summary(id)),
    'demo.open': async () => {
      const city = b.openDemo();
      b.selected = city.id;
      return b.summary(city.id);
    },
    'city.select': async (a) => {
      b.city(a.cityId);
      b.selected = a.cityId;
      return b.summary(a.cityId);
    },
    'city.close': async (a) => {
      await b.closeCity(a.cityId);
      return { ok: true };
    },
    'city.summary': async (a) => b.summary(a.cityId),
    'city.map': async (a) => {
      const opts = { window: a.window, possibleRoads: a.possibleRoads };
      const first = b.city(a.cityId).firstMap(opts);
      if (first.pending) b.computeRoads(a.cityId, opts);
      // The UI asks about roads by edge id; the aggregate keys behind each edge stay here (most of a big map's bytes).
      return toWireMap(first.model);
    },
    'city.search': async (a) => {
      const c = b.city(a.cityId);
      return searchCity(c.snapshot, c.map(), a.query, a.limit);
    },
    'city.flows': async (a) => {
      const c = b.city(a.cityId);
      return flowPage(c.snapshot, c.map({ window: a.window }), a);
    },
    'city.flowsCsv': async (a) => {
      const c = b.city(a.cityId);
      const csv = flowsCsv(c.snapshot, c.map({ window: a.window }), a);
      return { csv, rows: csv.split('\r\n').length - 2 };
    },
    'city.timeline': async (a) => timelineBuckets(b.city(a.cityId).snapshot, a.buckets),
    'road.explain': async (a) => {
      const c = b.city(a.cityId);
      return explainRoad(c.snapshot, c.map(), c.engine, a.edgeId);
    },
    'node.details': async (a) => {
      const c = b.city(a.cityId);
      return nodeDetails(c.snapshot, c.map(), c.engine, a.nodeId);
    },
    'positions.set': async (a) => setPositions(b.city(a.cityId), a.positions),
    'notes.add': async (a) => addNote(b.city(a.cityId), a.target, a.text),
    'whatif.preview': async (a) => whatIfPreview(b.city(a.cityId), a.yaml),
    'whatif.staged': async (a) => whatIfStaged(b.city(a.cityId)),
    'capture.start': (a) => capture.start(a),
    'capture.stop': (a) => capture.stop(a.cityId),
    'probes.plan': (a) => probes.plan(a),
    'probes.run': (a) => probes.run(a),
    'tasks.cancel': async (a) => {
      if (!b.tasks.cancel(a.taskId)) throw new Error(`task ${a.taskId} is not running (it may have finished already)`);
      return { ok: true };
    },
    'snapshots.list': () => files.list(),
    'snapshots.save': (a) => files.save(a),
    'snapshots.open': (a) => files.open(a.path),
    'snapshots.rename': (a) => files.rename(a.path, a.name),
    'snapshots.delete': (a) => files.remove(a.path),
    'snapshots.duplicate': (a) => files.duplicate(a.path),
    'snapshots.diff': (a) => files.diff(a.a, a.b),
    'flows.import': (a) => files.importFlows(a),
    'flows.inspect': (a) => inspectFlows(b, a),
    'manifests.open': (a) => files.openManifests(a.paths, a.roadBuilder),
    'export.render': (a) => exporter.render(a),
    'settings.get': async () => ({ ...b.settings }),
    'settings.set': async (a) => {
      // The library is where saves go: it may move only into a folder the user already allowed.
      if (a.snapshotDir !== undefined) a.snapshotDir = b.paths.check(a.snapshotDir, 'moving the snapshot library to');
      Object.assign(b.settings, a);
      b.saveSettings();
      return { ...b.settings };
    },
  };
}
