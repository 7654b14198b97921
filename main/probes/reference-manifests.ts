/**
 * The probe manifests as YAML for reviewers (resources/probes/*.yaml), rendered from manifests.ts
 * with placeholders for the run id and expiry. A test keeps the files equal to this rendering.
 */
import { stringify } from 'yaml';
import { enforcementClientPod, enforcementServerPod, DEFAULT_PROBE_IMAGE, flowProbeDaemonSet, probeNamespaceObject, type RunObjectContext } from './manifests.js';
import { debugContainer } from './manifests.js';

const HEADER = (what: string) =>
  `# ${what}\n# Reference copy rendered from main/probes/manifests.ts (the app builds these objects itself).\n# RUNID and the expiry are filled in per run; every object is removed when the run ends.\n`;

export function referenceManifests(): Record<string, string> {
  const ctx = (kind: RunObjectContext['kind']): RunObjectContext => ({ runId: 'RUNID', kind, expiresAt: '2000-01-01T00:00:00.000Z', image: DEFAULT_PROBE_IMAGE });
  const flows = ctx('flows');
  const enf = ctx('enforcement');
  const doc = (objs: unknown[]) => objs.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
  return {
    'flow-probe-daemonset.yaml':
      HEADER('Flow probes: one pod per node on the host network with NET_ADMIN only, sampling conntrack every 5 s.') +
      doc([probeNamespaceObject(flows, 'netcity-probe-RUNID', 'privileged'), flowProbeDaemonSet(flows, { namespace: 'netcity-probe-RUNID', intervalSeconds: 5, maxRunSeconds: 1860 })]),
    'enforcement-pods.yaml':
      HEADER('Enforcement check: an echo server and two clients in two temporary namespaces (policies are added step by step).') +
      doc([
        probeNamespaceObject(enf, 'netcity-probe-RUNID', 'restricted'),
        probeNamespaceObject(enf, 'netcity-probe-RUNID-b', 'restricted'),
        enforcementServerPod(enf, 'netcity-probe-RUNID', 360),
        enforcementClientPod(enf, 'netcity-probe-RUNID', 'client-a', 360),
        enforcementClientPod(enf, 'netcity-probe-RUNID-b', 'client-b', 360),
      ]),
    'debug-container.yaml':
      HEADER('Path check and matrix: the ephemeral container added to a source pod (it cannot be removed; it exits by itself).') +
      doc([debugContainer('RUNID', DEFAULT_PROBE_IMAGE, 210)]),
  };
}
