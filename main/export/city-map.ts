/**
 * The map an export draws when the caller has none (CLI, bench): the map model built with the
 * policy engine's fences and verdicts. The app passes its own map (with its overlays) instead.
 */
import { buildMapModel, type BuildOptions } from '../map/build.js';
import type { MapModel } from '../map/model.js';
import type { PolicyView } from '../map/policy-view.js';
import type { Snapshot } from '../model/types.js';
import { createPolicyEngine } from '../policy/index.js';

/** A PolicyView over the engine; verdicts are memoised because the builder asks per port label. */
export function enginePolicyView(s: Snapshot): PolicyView {
  const engine = createPolicyEngine({ namespaces: s.namespaces, pods: s.pods, nodes: s.nodes, policies: s.policies, services: s.services });
  const verdicts = new Map<string, 'allowed' | 'denied' | 'unknown'>();
  return {
    fences: (pod) => engine.fences(pod),
    verdict(src, dst, protocol, port) {
      const key = `${src}|${dst}|${protocol}|${port}`;
      let v = verdicts.get(key);
      if (!v) {
        try {
          v = engine.evaluate(src, dst, protocol, port).verdict;
        } catch {
          v = 'unknown'; // an engine gap must not stop an export; the road shows as unknown
        }
        verdicts.set(key, v);
      }
      return v;
    },
    allowedPorts: (src, dst) => engine.allowedPorts(src, dst),
  };
}

export function buildExportMap(snapshot: Snapshot, opts: BuildOptions = {}): MapModel {
  return buildMapModel(snapshot, { policy: enginePolicyView(snapshot), ...opts });
}
