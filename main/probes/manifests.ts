/**
 * Every object a probe run creates, built in one place so the consent plan, the run and the
 * cleanup agree on names, labels and privileges. resources/probes/*.yaml are rendered from here
 * (a test keeps them equal) so reviewers can read the exact manifests.
 */
import { EXPIRES_AT, ephemeralName, runLabels, type ProbeRunKind } from './labels.js';
import type { EphemeralContainerSpec, KubeObject } from './probe-cluster.js';

/**
 * Default image for flow probes, enforcement pods and debug containers: public, multi-arch, and it
 * carries conntrack, nc (OpenBSD), socat, date with nanoseconds. Configurable everywhere.
 */
export const DEFAULT_PROBE_IMAGE = 'docker.io/nicolaka/netshoot:v0.13';

/** Sample marker lines the flow probe prints around each table dump. */
export const SAMPLE_BEGIN = '@@netcity-sample begin';
export const SAMPLE_END = '@@netcity-sample end';
export const SAMPLE_ERROR = '@@netcity-sample error';

export const FLOW_CONTAINER = 'conntrack';

/** Non-root, nothing extra: what the enforcement pods and debug containers run with. */
export const RESTRICTED_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: 65534,
  runAsGroup: 65534,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

const SMALL_RESOURCES = {
  requests: { cpu: '10m', memory: '16Mi' },
  limits: { cpu: '100m', memory: '64Mi' },
};

export interface RunObjectContext {
  runId: string;
  kind: ProbeRunKind;
  /** ISO time after which the objects are leftovers. */
  expiresAt: string;
  image: string;
}

function metadata(ctx: RunObjectContext, name: string, namespace?: string, role?: string): KubeObject['metadata'] {
  const m: KubeObject['metadata'] = { name, labels: runLabels(ctx.runId, ctx.kind, role), annotations: { [EXPIRES_AT]: ctx.expiresAt } };
  if (namespace) m.namespace = namespace;
  return m;
}

/**
 * A namespace of our own: deleting it removes everything in it, so a crash leaves one thing to find.
 * `podSecurity` is the Pod Security level enforced there ("privileged" only for flow probes).
 */
export function probeNamespaceObject(ctx: RunObjectContext, name: string, podSecurity: 'restricted' | 'privileged'): KubeObject {
  const meta = metadata(ctx, name);
  meta.labels!['pod-security.kubernetes.io/enforce'] = podSecurity;
  return { apiVersion: 'v1', kind: 'Namespace', metadata: meta };
}

export interface FlowProbeOptions {
  namespace: string;
  intervalSeconds: number;
  /** The probe stops sampling after this and idles until removed (crash safety). */
  maxRunSeconds: number;
}

/**
 * The sampling loop. Prints each complete table between markers so the app can drop a sample cut
 * by a log rotation or a reconnect. `conntrack -o extended,id` is preferred (ids keep reused
 * tuples apart); /proc/net/nf_conntrack is the fallback on kernels that still have it.
 */
export function flowProbeScript(intervalSeconds: number, maxRunSeconds: number): string {
  return [
    `end=$(( $(date +%s) + ${Math.floor(maxRunSeconds)} ))`,
    'while [ "$(date +%s)" -lt "$end" ]; do',
    `  echo "${SAMPLE_BEGIN} $(date +%s) $NODE_NAME"`,
    '  if conntrack -L -o extended,id 2>/dev/null; then :;',
    '  elif [ -r /proc/net/nf_conntrack ]; then cat /proc/net/nf_conntrack;',
    `  else echo "${SAMPLE_ERROR} conntrack table not readable (needs NET_ADMIN and hostNetwork)"; fi`,
    `  echo "${SAMPLE_END}"`,
    `  sleep ${Math.max(1, Math.floor(intervalSeconds))}`,
    'done',
    // Past the run's end: stay idle (a DaemonSet would restart an exited container and sample again).
    'exec sleep 2147483647',
  ].join('\n');
}

/**
 * One probe per node on the host network: conntrack entries for pod traffic live in the host's
 * network namespace (kube-proxy DNAT, routing between pods happen there).
 *
 * Privileges, and why: hostNetwork (the host's conntrack table); CAP_NET_ADMIN only (conntrack
 * reads the table over ctnetlink, which the kernel guards with NET_ADMIN); all other capabilities
 * dropped; root user, because Kubernetes grants added capabilities to the effective set of root
 * only; read-only root filesystem; no service account token; no privilege escalation.
 */
export function flowProbeDaemonSet(ctx: RunObjectContext, opts: FlowProbeOptions): KubeObject {
  const name = `netcity-flows-${ctx.runId}`;
  const podLabels = runLabels(ctx.runId, ctx.kind, 'flow-probe');
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: metadata(ctx, name, opts.namespace, 'flow-probe'),
    spec: {
      selector: { matchLabels: podLabels },
      template: {
        metadata: { labels: podLabels, annotations: { [EXPIRES_AT]: ctx.expiresAt } },
        spec: {
          hostNetwork: true,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 1,
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          // Every node, control plane and tainted nodes included: traffic flows there too.
          tolerations: [{ operator: 'Exists' }],
          containers: [
            {
              name: FLOW_CONTAINER,
              image: ctx.image,
              command: ['/bin/sh', '-c', flowProbeScript(opts.intervalSeconds, opts.maxRunSeconds)],
              env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
              resources: { requests: { cpu: '20m', memory: '32Mi' }, limits: { cpu: '250m', memory: '128Mi' } },
              securityContext: {
                runAsUser: 0,
                runAsNonRoot: false,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
            },
          ],
        },
      },
    },
  };
}

/** Ports the enforcement server listens on: a named TCP port, an unnamed-in-policy TCP port, UDP echo. */
export const SERVER_PORTS = {
  http: { name: 'http', port: 8080, protocol: 'TCP' as const },
  alt: { name: 'alt', port: 8081, protocol: 'TCP' as const },
  udp: { name: 'echo-udp', port: 5353, protocol: 'UDP' as const },
};

function probePod(ctx: RunObjectContext, namespace: string, name: string, role: string, command: string[], ports: unknown[], maxRunSeconds: number): KubeObject {
  const meta = metadata(ctx, name, namespace, role);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta,
    spec: {
      restartPolicy: 'Never',
      // Kubernetes itself ends the pod at the run's time limit, even if NetCity is gone.
      activeDeadlineSeconds: Math.max(30, Math.floor(maxRunSeconds)),
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 1,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'probe', image: ctx.image, command, ports, resources: SMALL_RESOURCES, securityContext: RESTRICTED_SECURITY_CONTEXT }],
    },
  };
}

/** TCP 8080 and 8081 echo, UDP 5353 echo (socat), for the enforcement check. */
export function enforcementServerPod(ctx: RunObjectContext, namespace: string, maxRunSeconds: number): KubeObject {
  const { http, alt, udp } = SERVER_PORTS;
  const script = [
    `socat TCP-LISTEN:${http.port},fork,reuseaddr EXEC:cat &`,
    `socat TCP-LISTEN:${alt.port},fork,reuseaddr EXEC:cat &`,
    `socat UDP-RECVFROM:${udp.port},fork EXEC:cat &`,
    `sleep ${Math.floor(maxRunSeconds)}`,
  ].join('\n');
  return probePod(ctx, namespace, 'server', 'server', ['/bin/sh', '-c', script], [
    { name: http.name, containerPort: http.port, protocol: 'TCP' },
    { name: alt.name, containerPort: alt.port, protocol: 'TCP' },
    { name: udp.name, containerPort: udp.port, protocol: 'UDP' },
  ], maxRunSeconds);
}

export function enforcementClientPod(ctx: RunObjectContext, namespace: string, name: string, maxRunSeconds: number): KubeObject {
  return probePod(ctx, namespace, name, 'client', ['sleep', String(Math.floor(maxRunSeconds))], [], maxRunSeconds);
}

export function networkPolicy(ctx: RunObjectContext, namespace: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: metadata(ctx, name, namespace, 'policy'), spec };
}

/**
 * The debug container added to an existing pod for path checks and the matrix. It shares the
 * pod's network namespace, runs non-root with nothing extra, and exits by itself after
 * `maxRunSeconds` (Kubernetes cannot remove an ephemeral container; it stays listed, stopped).
 */
export function debugContainer(runId: string, image: string, maxRunSeconds: number): EphemeralContainerSpec {
  return {
    name: ephemeralName(runId),
    image,
    command: ['sleep', String(Math.max(10, Math.floor(maxRunSeconds)))],
    securityContext: RESTRICTED_SECURITY_CONTEXT,
  };
}
