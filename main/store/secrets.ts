/**
 * Snapshots never hold secrets. A policy that is itself a Secret or a kubeconfig is refused
 * outright (a source handed us the wrong thing); a Secret or kubeconfig nested inside a manifest,
 * and credential-looking text in every free-form field (manifest strings such as annotations,
 * notes, findings, warnings, probe details, road-builder facts, L7 paths and queries), is
 * replaced by REDACTED: that field goes, the snapshot is kept. The shapes: ./credentials.ts.
 */
import type { FlowRecord, Snapshot } from '../model/types.js';
import { findCredential } from './credentials.js';
import { SnapshotFileError } from './errors.js';

export const REDACTED = '[redacted: looked like a credential]';

/** Keys whose values are credentials wherever they appear in a manifest. */
const SECRET_KEYS = new Set([
  'client-key-data',
  'client-certificate-data',
  'token',
  'password',
  'bearertoken',
  'bearer-token',
  'id-token',
  'refresh-token',
  'access-token',
  'private-key',
]);

export function looksLikeSecretText(text: string): boolean {
  return findCredential(text) !== undefined;
}

/** A Secret, or a kubeconfig (kind Config with users/clusters). */
export function isSecretObject(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const o = value as Record<string, unknown>;
  if (o.kind === 'Secret') return true;
  if (o.kind === 'Config' && ('users' in o || 'clusters' in o || 'contexts' in o)) return true;
  if (o.kind === 'SecretList') return true;
  return false;
}

const redactText = (text: string): string => (looksLikeSecretText(text) ? REDACTED : text);

/** Deep copy of a manifest with credential keys, credential-looking strings and nested Secret / kubeconfig objects redacted. */
function cleanValue(value: unknown, where: string, found: string[]): unknown {
  if (typeof value === 'string') {
    const out = redactText(value);
    if (out !== value) found.push(where);
    return out;
  }
  if (Array.isArray(value)) return value.map((v, i) => cleanValue(v, `${where}[${i}]`, found));
  if (value && typeof value === 'object') {
    if (isSecretObject(value)) {
      found.push(where);
      return REDACTED;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEYS.has(k.toLowerCase()) && v !== null && v !== '' && typeof v !== 'object') {
        out[k] = REDACTED;
        found.push(`${where}.${k}`);
      } else out[k] = cleanValue(v, `${where}.${k}`, found);
    }
    return out;
  }
  return value;
}

/** A server URL without user info or query credentials ("https://user:pw@host" -> "https://host"). */
export function cleanServerUrl(server: string): string {
  try {
    const u = new URL(server);
    u.username = '';
    u.password = '';
    for (const k of [...u.searchParams.keys()]) if (/token|key|secret|pass/i.test(k)) u.searchParams.delete(k);
    return u.toString().replace(/\/$/, server.endsWith('/') ? '/' : '');
  } catch {
    return redactText(server);
  }
}

/** Query strings carry tokens often enough (?access_token=...) to redact their values by name. */
export function cleanQuery(query: string): string {
  return query.replace(/((?:^|[?&;])[^=&;]*(?:token|key|secret|pass|auth|sig)[^=&;]*=)[^&;]*/gi, '$1[redacted]');
}

/** Redacts credentials in the few free-form fields of a flow; returns the same object when clean. */
export function cleanFlow(flow: FlowRecord): FlowRecord {
  const l7 = flow.l7;
  if (!l7 || (!l7.query && !l7.path)) return flow;
  const query = l7.query !== undefined && l7.type === 'http' ? redactText(cleanQuery(l7.query)) : l7.query;
  const path = l7.path !== undefined ? redactText(cleanQuery(l7.path)) : l7.path;
  if (query === l7.query && path === l7.path) return flow;
  return { ...flow, l7: { ...l7, query, path } };
}

export interface CleanResult {
  snapshot: Snapshot;
  /** Where something was redacted, e.g. "policies[3].manifest.metadata.annotations.x". */
  redacted: string[];
}

/**
 * The snapshot as it may be stored. Throws SnapshotFileError('secret') when a policy manifest
 * is itself a Secret or kubeconfig; redacts nested ones and credential-looking text elsewhere.
 */
export function cleanSnapshot(snap: Snapshot): CleanResult {
  const found: string[] = [];
  const cluster = { ...snap.cluster };
  if (cluster.server) {
    const s = cleanServerUrl(cluster.server);
    if (s !== cluster.server) found.push('cluster.server');
    cluster.server = s;
  }
  const policies = snap.policies.map((p, i) => {
    const where = `policies[${i}] (${p.kind} ${p.namespace ? p.namespace + '/' : ''}${p.name})`;
    if (isSecretObject(p.manifest) || (p.kind as string) === 'Secret') {
      throw new SnapshotFileError('secret', where, `refusing to store ${where}: it is a Secret or kubeconfig, and snapshots never hold secrets`);
    }
    return { ...p, manifest: cleanValue(p.manifest, `${where}.manifest`, found) as Record<string, unknown> };
  });
  /** One free-text field: its text, or REDACTED (and where, for the caller). */
  const field = <T extends string | undefined>(text: T, where: string): T => {
    if (text === undefined) return text;
    const out = redactText(text);
    if (out !== text) found.push(where);
    return out as T;
  };
  const details: Record<string, string> = {};
  for (const [k, v] of Object.entries(snap.roadBuilder.details)) {
    details[k] = redactText(v);
    if (details[k] !== v) found.push(`roadBuilder.details.${k}`);
  }
  const roadBuilder = {
    ...snap.roadBuilder,
    details,
    evidence: snap.roadBuilder.evidence.map((e, i) => field(e, `roadBuilder.evidence[${i}]`)),
    ...(snap.roadBuilder.mode !== undefined ? { mode: field(snap.roadBuilder.mode, 'roadBuilder.mode') } : {}),
  };
  const notes = snap.notes.map((n, i) => {
    const text = redactText(n.text);
    if (text !== n.text) found.push(`notes[${i}]`);
    return text === n.text ? n : { ...n, text };
  });
  const findings = snap.findings.map((f, i) => ({ ...f, title: field(f.title, `findings[${i}].title`), detail: field(f.detail, `findings[${i}].detail`) }));
  const warnings = snap.warnings.map((w, i) => ({
    ...w,
    message: field(w.message, `warnings[${i}].message`),
    ...(w.subject !== undefined ? { subject: field(w.subject, `warnings[${i}].subject`) } : {}),
  }));
  const probes = snap.probes.map((p, i) => ({
    ...p,
    ...(p.detail !== undefined ? { detail: field(p.detail, `probes[${i}].detail`) } : {}),
    ...(p.dstTarget !== undefined ? { dstTarget: field(p.dstTarget, `probes[${i}].dstTarget`) } : {}),
  }));
  const flows = snap.flows.map(cleanFlow);
  return {
    snapshot: { ...snap, cluster, roadBuilder, policies, notes, findings, warnings, probes, flows },
    redacted: found,
  };
}
