/** The road builder's findings in a city: exactly one per city, titled with its display name. */
import { describe, expect, it } from 'vitest';
import { City } from '../../main/city/city.js';
import { namedRoadBuilder, roadBuilderFindings } from '../../main/cluster/cni-detect.js';
import { convertObjects, manifestsToSnapshot } from '../../main/manifests/index.js';

const objects = [
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
].map((obj, document) => ({ obj, file: 'app.yaml', document }));
const city = (roadBuilder?: string) => {
  const set = convertObjects(objects);
  const snap = manifestsToSnapshot(set, 'test', 0, roadBuilder ? namedRoadBuilder(roadBuilder) : undefined);
  return new City({ id: 'c1', kind: 'manifests', snapshot: snap });
};
const roadBuilderKinds = ['cni-not-enforcing', 'cni-unknown', 'policy-kind-unsupported'];

describe('road builder findings in a city', () => {
  it('a folder without its CNI: "CNI unknown: enforcement depends on it"', () => {
    const f = city().snapshot.findings.filter((x) => roadBuilderKinds.includes(x.kind));
    expect(f.map((x) => [x.kind, x.title])).toEqual([['cni-unknown', 'CNI unknown: enforcement of the 1 policy depends on it']]);
  });

  it('Flannel: one not-enforcing finding, titled with the display name, also when the source already carried one', () => {
    const c = city('flannel');
    const once = c.snapshot.findings.filter((x) => x.kind === 'cni-not-enforcing');
    expect(once.map((x) => x.title)).toEqual(['Flannel does not enforce NetworkPolicy: 1 policy in this cluster has no effect']);
    // A live connection's snapshot carries the same finding: the city still shows one.
    c.update({ ...c.snapshot, findings: [...c.snapshot.findings, ...roadBuilderFindings(c.snapshot.roadBuilder, c.snapshot.policies)] });
    expect(c.snapshot.findings.filter((x) => x.kind === 'cni-not-enforcing')).toHaveLength(1);
  });

  it('an enforcing road builder gives none for the kinds it enforces', () => {
    expect(city('calico').snapshot.findings.filter((x) => roadBuilderKinds.includes(x.kind))).toEqual([]);
  });
});
