/** What a new window shows first: a file or folder named on the command line, the demo, or nothing (pick a context). */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Backend } from './backend.js';
import type { RoadBuilderName } from '../model/types.js';
import { withCniChoices, type HostNetworkMode, type IpBlockPodIpsMode } from '../policy/cni-semantics.js';

export interface StartupOptions {
  demo: boolean;
  paths: string[];
  cwd: string;
  log: (message: string) => void;
  /** For a folder of manifests: the CNI the cluster runs (`--road-builder`). */
  roadBuilder?: RoadBuilderName;
  /** `--host-network` / `--ipblock-pod-ips`: recorded with the opened city's road builder. */
  cniChoices?: { hostNetwork?: HostNetworkMode; ipBlockPodIps?: IpBlockPodIpsMode };
}

/** The user's CNI choices on the city just opened: its engine is rebuilt with them. */
function applyChoices(backend: Backend, id: string, c: StartupOptions['cniChoices']): void {
  if (!c?.hostNetwork && !c?.ipBlockPodIps) return;
  const city = backend.city(id);
  city.update({ ...city.evidence, roadBuilder: withCniChoices(city.evidence.roadBuilder, c) });
}

export async function openInitialCity(backend: Backend, opts: StartupOptions): Promise<void> {
  if (opts.demo) {
    applyChoices(backend, backend.openDemo().id, opts.cniChoices);
    return;
  }
  if (opts.paths.length > 0) {
    const paths = opts.paths.map((p) => resolve(opts.cwd, p));
    for (const p of paths) if (!existsSync(p)) throw new Error(`${p}: no such file or folder`);
    // What the user named on the command line is theirs to use: a folder as a whole, a file alone.
    for (const p of paths) {
      if (statSync(p).isDirectory()) backend.paths.allowFolder(p);
      else backend.paths.allowFile(p);
    }
    const started = Date.now();
    opts.log(`opening ${paths.join(', ')} ...`);
    const city =
      paths.length === 1 && statSync(paths[0]).isFile() && paths[0].endsWith('.netcity')
        ? await backend.call('snapshots.open', { path: paths[0] })
        : await backend.call('manifests.open', { paths, ...(opts.roadBuilder ? { roadBuilder: opts.roadBuilder } : {}) });
    applyChoices(backend, city.id, opts.cniChoices);
    opts.log(`opened "${city.name}" (${city.counts.pods} pods, ${city.counts.policies} policies) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return;
  }
  const { contexts, error } = await backend.call('contexts.list', {});
  if (contexts.length === 0) {
    opts.log(error ? `No usable kubeconfig (${error}): opening the demo city.` : 'No kubeconfig found: opening the demo city.');
    backend.openDemo();
  }
}
