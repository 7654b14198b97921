/** Splits manifest text (YAML or JSON, multi-document, List kinds) into objects with their place. */
import { readDocuments } from './parse-yaml.js';

export interface ManifestLocation {
  file: string;
  /** 1-based document number in the file. */
  document: number;
  /** 1-based item number inside a List document. */
  item?: number;
}

export interface ManifestError extends ManifestLocation {
  kind?: string;
  name?: string;
  message: string;
}

export interface ManifestObject extends ManifestLocation {
  obj: Record<string, unknown>;
}

export function formatLocation(l: ManifestLocation): string {
  if (l.document === 0) return l.file; // the file itself (missing, unreadable)
  return `${l.file}: document ${l.document}${l.item !== undefined ? ` item ${l.item}` : ''}`;
}

/** "deploy/app.yaml: document 2 (Deployment shop/cart): <message>". */
export function formatManifestError(e: ManifestError): string {
  const what = e.kind ? ` (${e.kind}${e.name ? ` ${e.name}` : ''})` : '';
  return `${formatLocation(e)}${what}: ${e.message}`;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Maps of strings in the objects we read, by the key that holds them; `selector` only as a Service's spec.selector. */
const STRING_MAPS = new Set(['labels', 'annotations', 'matchLabels', 'nodeSelector']);

/**
 * The first label, annotation or selector value that is not a string, as kubectl refuses the
 * object ("cannot unmarshal bool into ... of type string"): unquoted yes/no/on/off/y/n/true/false
 * are booleans to kubectl's YAML 1.1 reader, 2 or 1.5 are numbers.
 */
function nonStringValue(value: unknown, path: string, key: string, service: boolean): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = nonStringValue(value[i], `${path}[${i}]`, '', false);
      if (bad) return bad;
    }
    return undefined;
  }
  if (!isObj(value)) return undefined;
  const stringMap = STRING_MAPS.has(key) || (service && key === 'selector' && path === 'spec.selector');
  for (const k in value) {
    const v = value[k];
    const at = path ? `${path}.${k}` : k;
    if (stringMap && (typeof v === 'boolean' || typeof v === 'number')) {
      const what = typeof v === 'boolean' ? `the boolean ${v} (unquoted ${v ? 'yes, on, y or true' : 'no, off, n or false'} in YAML)` : `the number ${v}`;
      return `${at} is ${what}, not a string: kubectl refuses the object; quote the value and run again`;
    }
    if (typeof v === 'object' && v !== null) {
      const bad = nonStringValue(v, at, k, service);
      if (bad) return bad;
    }
  }
  return undefined;
}

/** Pure: parses one file's text. Bad documents give errors; the good ones are still returned. */
export function parseManifestText(text: string, fileName: string): { objects: ManifestObject[]; errors: ManifestError[] } {
  const objects: ManifestObject[] = [];
  const errors: ManifestError[] = [];
  let docs;
  try {
    docs = readDocuments(text);
  } catch (e) {
    return { objects, errors: [{ file: fileName, document: 1, message: `cannot be parsed: ${(e as Error).message}` }] };
  }
  const add = (at: ManifestLocation, o: Record<string, unknown>) => {
    const bad = nonStringValue(o, '', '', o.kind === 'Service');
    if (!bad) return objects.push({ ...at, obj: o });
    const name = isObj(o.metadata) && typeof o.metadata.name === 'string' ? o.metadata.name : undefined;
    errors.push({ ...at, ...(typeof o.kind === 'string' ? { kind: o.kind } : {}), ...(name ? { name } : {}), message: bad });
  };
  docs.forEach((doc, i) => {
    const document = i + 1;
    if ('error' in doc) {
      errors.push({ file: fileName, document, message: doc.error });
      return;
    }
    const value = doc.value;
    if (value === null || value === undefined) return; // empty document, as kubectl skips them
    if (!isObj(value)) {
      errors.push({ file: fileName, document, message: `expected a Kubernetes object (a map with apiVersion and kind), found ${Array.isArray(value) ? 'a list' : typeof value}` });
      return;
    }
    const kind = value.kind;
    if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value.items)) {
      // A typed list (PodList, NetworkPolicyList...) as the API returns it: items without kind/apiVersion are of the list's kind.
      const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
      const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : undefined;
      value.items.forEach((it, j) => {
        const at = { file: fileName, document, item: j + 1 };
        if (!isObj(it)) return errors.push({ ...at, message: 'list item is not an object' });
        if (itemKind && it.kind === undefined) it.kind = itemKind;
        if (itemKind && apiVersion && it.apiVersion === undefined) it.apiVersion = apiVersion;
        add(at, it);
      });
      return;
    }
    add({ file: fileName, document }, value);
  });
  return { objects, errors };
}
