/** Splits manifest text (YAML or JSON, multi-document, List kinds) into objects with their place. */
import { parseAllDocuments } from 'yaml';

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

/** Pure: parses one file's text. Bad documents give errors; the good ones are still returned. */
export function parseManifestText(text: string, fileName: string): { objects: ManifestObject[]; errors: ManifestError[] } {
  const objects: ManifestObject[] = [];
  const errors: ManifestError[] = [];
  let docs;
  try {
    docs = parseAllDocuments(text, { uniqueKeys: false });
  } catch (e) {
    return { objects, errors: [{ file: fileName, document: 1, message: `cannot be parsed: ${(e as Error).message}` }] };
  }
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const document = i + 1;
    if (doc.errors.length > 0) {
      const first = doc.errors[0];
      const line = first.linePos?.[0] ? ` (line ${first.linePos[0].line})` : '';
      errors.push({ file: fileName, document, message: `not valid YAML/JSON${line}: ${first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}; fix the document and run again` });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      errors.push({ file: fileName, document, message: `cannot be read: ${(e as Error).message}` });
      return;
    }
    if (value === null || value === undefined) return; // empty document, as kubectl skips them
    if (!isObj(value)) {
      errors.push({ file: fileName, document, message: `expected a Kubernetes object (a map with apiVersion and kind), found ${Array.isArray(value) ? 'a list' : typeof value}` });
      return;
    }
    const kind = value.kind;
    if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value.items)) {
      value.items.forEach((it, j) => {
        if (isObj(it)) objects.push({ file: fileName, document, item: j + 1, obj: it });
        else errors.push({ file: fileName, document, item: j + 1, message: 'list item is not an object' });
      });
      return;
    }
    objects.push({ file: fileName, document, obj: value });
  });
  return { objects, errors };
}
