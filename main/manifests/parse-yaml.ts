/**
 * Manifest text -> one value per document, as kubectl's reader (sigs.k8s.io/yaml over go-yaml v2)
 * sees them: YAML 1.2 core scalars plus YAML 1.1 booleans (unquoted y/yes/on/n/no/off are booleans,
 * also as map keys, which become "true"/"false"), merge keys, duplicate keys (the later one wins).
 *
 * Four readers, fastest first, each giving the same values (test/unit/manifests/readers.test.ts):
 * - JSON.parse for a file that is one JSON document (`kubectl get -o json`, API dumps);
 * - parse-block-yaml.ts per document for the plainest block YAML (most manifests), ~4x js-yaml;
 * - js-yaml per document (~10x faster than `yaml`'s document trees) for plain YAML: documents are
 *   split at `---` lines, which the YAML grammar forbids inside any scalar;
 * - `yaml`'s parseAllDocuments for everything else (anchors, aliases, tags, directives, `...`,
 *   merge keys, content on a `---` line) and for every file the fast readers refuse: it names
 *   the document and line of the first error in each bad document and still reads the good ones.
 */
import { createRequire } from 'node:module';
import type { Schema } from 'js-yaml';
import type { ScalarTag } from 'yaml';
import { readBlockYaml } from './parse-block-yaml.js';

/** `yaml` is loaded the first time the full reader runs: plain input never pays its start-up. */
let yamlLib: typeof import('yaml') | undefined;
const fullReader = (): typeof import('yaml') => (yamlLib ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));

export type DocumentResult = { value: unknown } | { error: string };

const TRUE_11 = /^(?:y|Y|yes|Yes|YES|on|On|ON|true|True|TRUE)$/;
const BOOL_11 = /^(?:y|Y|yes|Yes|YES|on|On|ON|true|True|TRUE|n|N|no|No|NO|off|Off|OFF|false|False|FALSE)$/;
const BOOL_TAG = 'tag:yaml.org,2002:bool';

/** js-yaml too is loaded on first use: the block reader takes most manifests without it. */
let jsYaml: { load: typeof import('js-yaml').load; schema: Schema } | undefined;
function perDocumentReader(): NonNullable<typeof jsYaml> {
  if (jsYaml) return jsYaml;
  const { CORE_SCHEMA, Type, load } = createRequire(import.meta.url)('js-yaml') as typeof import('js-yaml');
  const schema = CORE_SCHEMA.extend({
    implicit: [new Type(BOOL_TAG, { kind: 'scalar', resolve: (s: string | null) => s !== null && BOOL_11.test(s), construct: (s: string) => TRUE_11.test(s) })],
  });
  return (jsYaml = { load, schema });
}
const loadYamlFast = (text: string): unknown => {
  const r = perDocumentReader();
  return r.load(text, { schema: r.schema, json: true });
};
const BOOL_11_TAG: ScalarTag = { tag: BOOL_TAG, default: true, test: BOOL_11, resolve: (s: string) => TRUE_11.test(s) };
const FULL_OPTIONS = { uniqueKeys: false, merge: true, customTags: [BOOL_11_TAG] };

/** Anything the per-document fast reader does not handle the same way: left to `yaml`. */
const NEEDS_FULL_READER = /(?:^|[\s[{,])[&*!][^\s,\]}]|^%|^\.\.\.(?:\s|$)|<<|^---[ \t]+[^\s#]/m;
/** One-line quoted scalars, where those characters mean nothing ("0 * * * *" in a CronJob). */
const QUOTED = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'/g;
const DOCUMENT_MARKER = /^---(?:[ \t].*)?$/gm;

/** The full reader alone (exported for the tests that hold the fast readers to it). */
export function readDocumentsFull(text: string): DocumentResult[] {
  return fullReader().parseAllDocuments(text, FULL_OPTIONS).map((doc): DocumentResult => {
    if (doc.errors.length > 0) {
      const first = doc.errors[0];
      const line = first.linePos?.[0] ? ` (line ${first.linePos[0].line})` : '';
      return { error: `not valid YAML/JSON${line}: ${first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}; fix the document and run again` };
    }
    try {
      return { value: doc.toJS({ maxAliasCount: 100 }) };
    } catch (e) {
      return { error: `cannot be read: ${(e as Error).message}` };
    }
  });
}

/** Splits plain YAML at `---` lines; text before the first one is a document only if it holds more than comments. */
function splitDocuments(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (const m of text.matchAll(DOCUMENT_MARKER)) {
    const part = text.slice(start, m.index);
    if (start > 0 || /^[ \t]*[^\s#]/m.test(part)) parts.push(part);
    start = m.index + m[0].length;
  }
  const last = text.slice(start);
  if (start > 0 || /^[ \t]*[^\s#]/m.test(last)) parts.push(last);
  return parts;
}

/** The fast readers, or undefined when the text needs the full reader (exported for the tests). */
export function readDocumentsFast(text: string): DocumentResult[] | undefined {
  const c = text.charCodeAt(text.search(/\S/));
  if (c === 0x7b || c === 0x5b) {
    // { or [: one JSON document, unless it is YAML flow style or broken (then the YAML readers say where).
    try {
      return [{ value: JSON.parse(text) }];
    } catch {
      /* fall through */
    }
  }
  if (NEEDS_FULL_READER.test(text) && NEEDS_FULL_READER.test(text.replace(QUOTED, '""'))) return undefined;
  try {
    return splitDocuments(text).map((part) => readBlockYaml(part) ?? { value: loadYamlFast(part) ?? null });
  } catch {
    return undefined; // the full reader gives the error its place
  }
}

/** Pure: one result per document, in order (document numbers are 1-based indexes into it). */
export function readDocuments(text: string): DocumentResult[] {
  return readDocumentsFast(text) ?? readDocumentsFull(text);
}
