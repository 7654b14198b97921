/**
 * Consent: a ProbePlan lists, before anything exists, exactly which objects a run will create,
 * where, with which privileges, which permissions that needs, and which existing pods get an
 * ephemeral container. Nothing runs until `confirm()`; permissions are checked with
 * SelfSubjectAccessReview so a user without rights is refused before the first create.
 */
import type { Permission } from '../model/types.js';
import type { ProbeRunKind } from './labels.js';
import type { AccessCheck, KubeObject, ProbeCluster, EphemeralContainerSpec } from './probe-cluster.js';

export interface PlannedObject {
  object: KubeObject;
  /** Why it exists, in a sentence. */
  purpose: string;
  /** Privileges it runs with ("none" when nothing beyond a restricted pod). */
  privileges: string[];
}

export interface PlannedEphemeralContainer {
  namespace: string;
  pod: string;
  container: EphemeralContainerSpec;
}

export interface PlannedPermission extends AccessCheck {
  why: string;
}

export interface ProbeEstimate {
  checks: number;
  seconds: number;
}

export interface ProbePlanInit {
  runId: string;
  kind: ProbeRunKind;
  context: string;
  objects: PlannedObject[];
  ephemeralContainers?: PlannedEphemeralContainer[];
  permissions: PlannedPermission[];
  timeLimitMs: number;
  expiresAt: string;
  estimate?: ProbeEstimate;
  notes?: string[];
}

export const EPHEMERAL_WARNING =
  'Ephemeral containers cannot be removed: Kubernetes keeps them in the pod spec until the pod is deleted. ' +
  'NetCity\'s debug container exits by itself at the time limit and then stays listed as terminated.';

export class ProbePlan {
  readonly runId: string;
  readonly kind: ProbeRunKind;
  readonly context: string;
  readonly objects: readonly PlannedObject[];
  readonly ephemeralContainers: readonly PlannedEphemeralContainer[];
  readonly permissions: readonly PlannedPermission[];
  readonly timeLimitMs: number;
  readonly expiresAt: string;
  readonly estimate?: ProbeEstimate;
  readonly notes: readonly string[];
  private confirmedAt?: number;

  constructor(init: ProbePlanInit) {
    this.runId = init.runId;
    this.kind = init.kind;
    this.context = init.context;
    this.objects = init.objects;
    this.ephemeralContainers = init.ephemeralContainers ?? [];
    this.permissions = init.permissions;
    this.timeLimitMs = init.timeLimitMs;
    this.expiresAt = init.expiresAt;
    this.estimate = init.estimate;
    const notes = [...(init.notes ?? [])];
    if (this.ephemeralContainers.length > 0) notes.unshift(EPHEMERAL_WARNING);
    this.notes = notes;
  }

  /** The user's explicit consent. */
  confirm(): this {
    this.confirmedAt = Date.now();
    return this;
  }

  get confirmed(): boolean {
    return this.confirmedAt !== undefined;
  }

  /** Is this exact object part of the plan? The runner refuses anything else. */
  includes(obj: { kind: string; metadata: { name: string; namespace?: string } }): boolean {
    return this.objects.some(
      (p) => p.object.kind === obj.kind && p.object.metadata.name === obj.metadata.name && p.object.metadata.namespace === obj.metadata.namespace,
    );
  }

  includesEphemeral(namespace: string, pod: string, container: string): boolean {
    return this.ephemeralContainers.some((e) => e.namespace === namespace && e.pod === pod && e.container.name === container);
  }

  /** Serialisable view for the consent dialog / API. */
  toJSON(): Record<string, unknown> {
    return {
      runId: this.runId,
      kind: this.kind,
      context: this.context,
      objects: this.objects.map((o) => ({
        kind: o.object.kind,
        namespace: o.object.metadata.namespace,
        name: o.object.metadata.name,
        purpose: o.purpose,
        privileges: o.privileges,
      })),
      ephemeralContainers: this.ephemeralContainers.map((e) => ({ namespace: e.namespace, pod: e.pod, container: e.container.name, image: e.container.image })),
      permissions: this.permissions,
      timeLimitMs: this.timeLimitMs,
      expiresAt: this.expiresAt,
      estimate: this.estimate,
      notes: this.notes,
      confirmed: this.confirmed,
    };
  }
}

const describeAccess = (p: AccessCheck): string =>
  `${p.verb} ${p.group ? `${p.resource}.${p.group}` : p.resource}${p.subresource ? `/${p.subresource}` : ''}${p.namespace ? ` in ${p.namespace}` : ' (cluster-wide)'}`;

/** The plan as text: what the CLI prints without --yes, and the consent dialog's content. */
export function describePlan(plan: ProbePlan): string {
  const lines: string[] = [];
  lines.push(`Probe '${plan.kind}' on context '${plan.context}' (run ${plan.runId}), time limit ${Math.round(plan.timeLimitMs / 1000)} s.`);
  if (plan.estimate) lines.push(`Estimated: ${plan.estimate.checks} check(s), about ${plan.estimate.seconds} s.`);
  if (plan.objects.length > 0) {
    lines.push('', 'Objects to create (all removed at the end, labelled app.kubernetes.io/managed-by=netcity):');
    for (const o of plan.objects) {
      const where = o.object.metadata.namespace ? ` in ${o.object.metadata.namespace}` : '';
      lines.push(`  - ${o.object.kind} ${o.object.metadata.name}${where}: ${o.purpose}`);
      lines.push(`      privileges: ${o.privileges.join('; ')}`);
    }
  } else {
    lines.push('', 'No objects are created.');
  }
  if (plan.ephemeralContainers.length > 0) {
    lines.push('', 'Ephemeral debug containers added to existing pods:');
    for (const e of plan.ephemeralContainers) lines.push(`  - ${e.namespace}/${e.pod}: container ${e.container.name}, image ${e.container.image}, non-root, no capabilities`);
  }
  lines.push('', 'Permissions needed:');
  for (const p of plan.permissions) lines.push(`  - ${describeAccess(p)}: ${p.why}`);
  if (plan.notes.length > 0) {
    lines.push('', 'Notes:');
    for (const n of plan.notes) lines.push(`  - ${n}`);
  }
  return lines.join('\n');
}

/** A run was refused before anything was created. */
export class ProbeRefusedError extends Error {
  override name = 'ProbeRefusedError';
  constructor(
    message: string,
    readonly missing: Permission[],
  ) {
    super(message);
  }
}

const permissionOf = (p: AccessCheck, allowed: boolean): Permission => ({
  resource: p.group ? `${p.resource}.${p.group}${p.subresource ? `/${p.subresource}` : ''}` : `${p.resource}${p.subresource ? `/${p.subresource}` : ''}`,
  namespace: p.namespace,
  verb: p.verb,
  allowed,
});

/** The permissions a plan needs, unchecked (for a plan shown before any cluster is connected). */
export function plannedPermissions(plan: ProbePlan): Omit<Permission, 'allowed'>[] {
  return plan.permissions.map((p) => {
    const { allowed: _unchecked, ...rest } = permissionOf(p, false);
    return rest;
  });
}

/** Asks the API server about every permission the plan needs (SelfSubjectAccessReview). */
export async function checkPlanPermissions(cluster: ProbeCluster, plan: ProbePlan): Promise<Permission[]> {
  const answers = await cluster.canI([...plan.permissions]);
  return plan.permissions.map((p, i) => permissionOf(p, answers[i] === true));
}

/** Throws ProbeRefusedError naming every missing permission; nothing has been created yet. */
export async function assertPlanPermitted(cluster: ProbeCluster, plan: ProbePlan): Promise<Permission[]> {
  const perms = await checkPlanPermissions(cluster, plan);
  const missing = perms.filter((p) => !p.allowed);
  if (missing.length > 0) {
    const list = plan.permissions.filter((_, i) => !perms[i].allowed).map(describeAccess);
    throw new ProbeRefusedError(
      `probe ${plan.kind} on context '${plan.context}': not permitted to ${list.join(', ')}. ` +
        'Nothing was created. Ask a cluster admin for these rights (a Role/ClusterRole binding), or use another context.',
      missing,
    );
  }
  return perms;
}
