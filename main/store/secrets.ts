/**
 * Snapshots never hold secrets. Anything shaped like a Secret object or a kubeconfig is refused
 * outright (it means a source handed us the wrong thing); credential-looking text inside free-form
 * fields (manifest annotations, notes, details, L7 query strings) is redacted.
 */
import type { FlowRecord, Snapshot } from '../model/types.js';
import { SnapshotFileError } from './errors.js';

export const REDACTED = '[redacted: looked like a credential]';

/** Text that is a credential or embeds one. */
const SECRET_TEXT: readonly RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\b(client-key-data|client-certificate-data|certificate-authority-data)\s*:/,
  /\bkind\s*:\s*["']?Config\b[\s\S]*\busers\s*:/,
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, // JWT (service-account tokens)
  /\bBearer\s+[A-Za-z0-9._~+/-]{16,}/i,
  /\b(token|password|passwd|secret|api[-_]?key)\s*[:=]\s*["']?[^\s"',&]{8,}/i,
];

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
  return SECRET_TEXT.some((re) => re.test(text));
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

/** Deep copy of a manifest with credential keys and credential-looking strings redacted. Throws on embedded Secret objects. */
function cleanValue(value: unknown, where: string, found: string[]): unknown {
  if (typeof value === 'string') {
    const out = redactText(value);
    if (out !== value) found.push(where);
    return out;
  }
  if (Array.isArray(value)) return value.map((v, i) => cleanValue(v, `${where}[${i}]`, found));
  if (value && typeof value === 'object') {
    if (isSecretObject(value)) {
      throw new SnapshotFileError('secret', where, `refusing to store ${where}: it is a Secret or kubeconfig, and snapshots never hold secrets`);
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
  const query = l7.query !== undefined && l7.type === 'http' ? cleanQuery(l7.query) : l7.query;
  const path = l7.path !== undefined ? cleanQuery(l7.path) : l7.path;
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
 * is a Secret or kubeconfig; redacts credential-looking text elsewhere.
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
  const details: Record<string, string> = {};
  for (const [k, v] of Object.entries(snap.roadBuilder.details)) {
    details[k] = redactText(v);
    if (details[k] !== v) found.push(`roadBuilder.details.${k}`);
  }
  const roadBuilder = { ...snap.roadBuilder, details, evidence: snap.roadBuilder.evidence.map(redactText) };
  const notes = snap.notes.map((n, i) => {
    const text = redactText(n.text);
    if (text !== n.text) found.push(`notes[${i}]`);
    return text === n.text ? n : { ...n, text };
  });
  const findings = snap.findings.map((f) => ({ ...f, detail: redactText(f.detail) }));
  const warnings = snap.warnings.map((w) => ({ ...w, message: redactText(w.message) }));
  const probes = snap.probes.map((p) => (p.detail ? { ...p, detail: redactText(p.detail) } : p));
  const flows = snap.flows.map(cleanFlow);
  return {
    snapshot: { ...snap, cluster, roadBuilder, policies, notes, findings, warnings, probes, flows },
    redacted: found,
  };
}
