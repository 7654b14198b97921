/** What the cluster serves: API groups (also evidence for the CNI), versions of the optional policy APIs, its version. */
import type { KubeClient } from './kube-client.js';
import type { ResourceId, ResourceSpec } from './resources.js';

export interface Discovery {
  /** API group names the server offers ("cilium.io", "crd.projectcalico.org"...). */
  groups: string[];
  /** Served version per resource, for the ones found. */
  versions: Map<ResourceId, string>;
  kubernetesVersion?: string;
}

export async function discover(client: KubeClient, specs: readonly ResourceSpec[], signal?: AbortSignal): Promise<Discovery> {
  const apis = await client.request<{ groups?: { name: string; versions?: { version: string }[] }[] }>('/apis', { signal });
  const groups = new Map<string, string[]>();
  for (const g of apis.groups ?? []) groups.set(g.name, (g.versions ?? []).map((v) => v.version));
  const versions = new Map<ResourceId, string>();
  const groupVersionCache = new Map<string, Promise<Set<string>>>();
  const resourcesOf = (group: string, version: string): Promise<Set<string>> => {
    const key = `${group}/${version}`;
    let p = groupVersionCache.get(key);
    if (!p) {
      p = client
        .request<{ resources?: { name: string }[] }>(`/apis/${group}/${version}`, { signal })
        .then((r) => new Set((r.resources ?? []).map((x) => x.name)))
        .catch(() => new Set<string>());
      groupVersionCache.set(key, p);
    }
    return p;
  };
  await Promise.all(
    specs.map(async (spec) => {
      if (!spec.optional) {
        versions.set(spec.id, spec.versions[0]);
        return;
      }
      const served = groups.get(spec.group);
      if (!served) return;
      for (const v of spec.versions) {
        if (served.includes(v) && (await resourcesOf(spec.group, v)).has(spec.plural)) {
          versions.set(spec.id, v);
          return;
        }
      }
    }),
  );
  let kubernetesVersion: string | undefined;
  try {
    kubernetesVersion = (await client.request<{ gitVersion?: string }>('/version', { signal })).gitVersion;
  } catch {
    // /version may be closed to some users; it is only shown, never needed.
  }
  return { groups: [...groups.keys()], versions, kubernetesVersion };
}
