/**
 * Credential shapes in free text (annotations, notes, details, L7 paths): one named rule per
 * shape. Kept by hand rather than taken from a secret-scanning library (measured against one in
 * test/security/redaction.test.ts and the README's Security section): those libraries are
 * asynchronous, built to scan files, and missed most of the key=value and URL shapes that
 * Kubernetes annotations carry. Every pattern is linear (bounded quantifiers, no nested
 * repetition), so hostile text cannot make a scan slow.
 */

export interface CredentialRule {
  name: string;
  re: RegExp;
  /** A second look for shapes that ordinary words also take (e.g. "Basic tier"). */
  check?: (match: RegExpExecArray) => boolean;
}

/** Key names whose values are credentials (`db_password=`, `"client_secret":`, `X-Api-Key:`). */
const KEY =
  '[A-Za-z0-9_.-]{0,40}(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|authorization|auth)';
/** A value: 6+ characters that are not a placeholder (`${VAR}`, `<...>`, `[redacted]`, `***`, `""`). */
const VALUE = `(?!\\$\\{|<|\\[|\\*{3}|["']?(?:null|none|true|false|redacted)\\b)[^\\s"',;&}{]{6,}`;

const decodesToUserPassword = (b64: string): boolean => {
  try {
    const text = Buffer.from(b64, 'base64').toString('latin1');
    return /^[\x20-\x7e]+:[\x20-\x7e]*$/.test(text);
  } catch {
    return false;
  }
};

export const CREDENTIAL_RULES: readonly CredentialRule[] = [
  { name: 'private key (PEM)', re: /-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----/ },
  { name: 'PuTTY private key', re: /PuTTY-User-Key-File-\d/ },
  { name: 'kubeconfig credential field', re: /\b(?:client-key-data|client-certificate-data|certificate-authority-data)\s*:/ },
  { name: 'kubeconfig', re: /\bkind\s*:\s*["']?Config\b[\s\S]{0,10000}\busers\s*:/ },
  { name: 'Kubernetes Secret (YAML)', re: /\bkind\s*:\s*["']?Secret["']?\s*$[\s\S]{0,10000}^\s*(?:data|stringData)\s*:/m },
  { name: 'Kubernetes Secret (JSON)', re: /"kind"\s*:\s*"Secret"[\s\S]{0,10000}"(?:data|stringData)"\s*:|"(?:data|stringData)"\s*:[\s\S]{0,10000}"kind"\s*:\s*"Secret"/ },
  { name: 'JWT', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { name: 'Bearer authorization', re: /\bBearer\s+[A-Za-z0-9._~+/=-]{16,}/i },
  { name: 'Basic authorization', re: /\bBasic\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])/, check: (m) => decodesToUserPassword(m[1]) },
  { name: 'password in a URL', re: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/?#@]{0,100}:[^\s/?#@]{3,200}@[A-Za-z0-9.[-]/i },
  { name: 'AWS access key id', re: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b/ },
  { name: 'AWS secret access key', re: /aws.{0,20}?secret.{0,20}?["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}\b|"SecretAccessKey"\s*:\s*"[A-Za-z0-9/+=]{40}"/i },
  { name: 'GitHub token', re: /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/ },
  { name: 'GitHub fine-grained token', re: /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/ },
  { name: 'Slack token', re: /\bxox[abposre]-[A-Za-z0-9-]{10,250}/ },
  { name: 'Slack webhook', re: /hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9/_-]{20,}/ },
  { name: 'GitLab token', re: /\bgl(?:pat|dt|rt|ptt|cbt|oas|ft|imt|agent|soat)-[A-Za-z0-9_-]{20,}/ },
  { name: 'Stripe key', re: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}/ },
  { name: 'Google API key', re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/ },
  { name: 'Google OAuth client secret', re: /\bGOCSPX-[A-Za-z0-9_-]{28}/ },
  { name: 'Google service account key', re: /"type"\s*:\s*"service_account"|"private_key(?:_id)?"\s*:\s*"[^"]{16,}/ },
  { name: 'Azure connection string key', re: /\b(?:AccountKey|SharedAccessKey|SharedAccessSignature)\s*=\s*[A-Za-z0-9+/%]{20,}/i },
  { name: 'Azure SAS signature', re: /[?&]sig=[A-Za-z0-9%+/=]{20,}/ },
  { name: 'npm token', re: /\bnpm_[A-Za-z0-9]{36}\b/ },
  { name: 'npm auth in .npmrc', re: /_auth(?:Token)?\s*=\s*\S{8,}/ },
  { name: 'SendGrid API key', re: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/ },
  { name: 'OpenAI / Anthropic key', re: /\bsk-(?:proj-|ant-(?:api|admin)\d{2}-|svcacct-)?[A-Za-z0-9_-]{32,}/ },
  { name: 'HashiCorp Vault token', re: /\bhv[sbr]\.[A-Za-z0-9_-]{24,}/ },
  { name: 'Docker registry auth', re: /"auth"\s*:\s*"([A-Za-z0-9+/]{8,}={0,2})"/, check: (m) => decodesToUserPassword(m[1]) },
  { name: 'Databricks token', re: /\bdapi[0-9a-f]{32}\b/ },
  { name: 'Shopify token', re: /\bshp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}\b/ },
  { name: 'DigitalOcean token', re: /\bdo[por]_v1_[0-9a-f]{64}\b/ },
  { name: 'Hugging Face token', re: /\bhf_[A-Za-z0-9]{34,}\b/ },
  { name: 'PyPI token', re: /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/ },
  { name: 'age secret key', re: /\bAGE-SECRET-KEY-1[0-9A-Z]{58}\b/ },
  { name: 'credential key=value', re: new RegExp(`(?:^|[^A-Za-z0-9])["']?${KEY}["']?\\s*[:=]\\s*["']?${VALUE}`, 'i') },
];

/** One pass for the common case (no credential): every rule's pattern in one alternation. */
const ANY = new RegExp(CREDENTIAL_RULES.map((r) => `(?:${r.re.source})`).join('|'), 'im');

/** The name of the first credential shape found in `text`, or undefined. */
export function findCredential(text: string): string | undefined {
  if (text.length < 8 || !ANY.test(text)) return undefined;
  for (const rule of CREDENTIAL_RULES) {
    const m = rule.re.exec(text);
    if (m && (!rule.check || rule.check(m))) return rule.name;
  }
  return undefined;
}
