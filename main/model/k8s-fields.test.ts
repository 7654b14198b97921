import { describe, expect, it } from 'vitest';
import { containerPorts, controllerOf, protocolOf } from './k8s-fields.js';

describe('Kubernetes fields read alike from the API and from manifests', () => {
  it('takes ports of app containers and sidecars, not of init containers that exit', () => {
    const spec = {
      initContainers: [
        { name: 'migrate', ports: [{ containerPort: 9999 }] },
        { name: 'proxy', restartPolicy: 'Always', ports: [{ name: 'envoy', containerPort: 15001 }] },
      ],
      containers: [{ name: 'app', ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 53, protocol: 'udp' }, { containerPort: 'x' }] }],
    };
    expect(containerPorts(spec)).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { containerPort: 53, protocol: 'UDP' },
      { name: 'envoy', containerPort: 15001, protocol: 'TCP' },
    ]);
    expect(containerPorts(undefined)).toEqual([]);
    expect(containerPorts({ containers: 'nonsense' })).toEqual([]);
  });

  it('defaults the protocol to TCP', () => {
    expect(protocolOf(undefined)).toBe('TCP');
    expect(protocolOf('sctp')).toBe('SCTP');
    expect(protocolOf(42)).toBe('TCP');
  });

  it('picks the controlling owner, else the first, and ignores malformed references', () => {
    expect(controllerOf({ ownerReferences: [{ kind: 'Node', name: 'n1' }, { kind: 'ReplicaSet', name: 'cart-7d9', controller: true }] })).toEqual({ kind: 'ReplicaSet', name: 'cart-7d9' });
    expect(controllerOf({ ownerReferences: [{ kind: 'Job', name: 'j' }] })).toEqual({ kind: 'Job', name: 'j' });
    expect(controllerOf({ ownerReferences: [{ kind: 7 }] })).toBeUndefined();
    expect(controllerOf(undefined)).toBeUndefined();
  });
});
