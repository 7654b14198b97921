/** Seed objects that make the test server look like a cluster running a given CNI. */
import type { SeedObject } from './objects.js';

const ds = (namespace: string, name: string, containers: Record<string, unknown>[]): SeedObject => ({
  resource: 'apps/daemonsets',
  object: {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace, labels: { 'k8s-app': name } },
    spec: { selector: { matchLabels: { 'k8s-app': name } }, template: { metadata: { labels: { 'k8s-app': name } }, spec: { containers } } },
  },
});

export function ciliumObjects(version = '1.18.4', config: Record<string, string> = {}): SeedObject[] {
  return [
    ds('kube-system', 'cilium', [{ name: 'cilium-agent', image: `quay.io/cilium/cilium:v${version}@sha256:abc` }]),
    {
      resource: 'configmaps',
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cilium-config', namespace: 'kube-system' },
        data: { 'enable-hubble': 'true', 'kube-proxy-replacement': 'true', 'enable-policy': 'default', 'routing-mode': 'tunnel', 'tunnel-protocol': 'vxlan', ...config },
      },
    },
  ];
}

export function flannelObjects(): SeedObject[] {
  return [
    ds('kube-flannel', 'kube-flannel-ds', [{ name: 'kube-flannel', image: 'ghcr.io/flannel-io/flannel:v0.26.1' }]),
    {
      resource: 'configmaps',
      // Since flannel 0.20 its ConfigMap sits in its own namespace, beside the DaemonSet.
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-flannel-cfg', namespace: 'kube-flannel' }, data: { 'net-conf.json': '{"Network":"10.244.0.0/16","Backend":{"Type":"host-gw"}}' } },
    },
  ];
}
