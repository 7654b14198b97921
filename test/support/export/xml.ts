/** A typed, minimal view of jsdom's XML parser for export tests (the repo has no DOM lib types). */
import { createRequire } from 'node:module';

export interface XElement {
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  querySelector(selector: string): XElement | null;
  querySelectorAll(selector: string): ArrayLike<XElement> & Iterable<XElement>;
}

export interface XDocument {
  documentElement: XElement;
  querySelector(selector: string): XElement | null;
  querySelectorAll(selector: string): ArrayLike<XElement> & Iterable<XElement>;
  getElementsByTagName(name: string): ArrayLike<XElement>;
}

const require = createRequire(import.meta.url);
const { JSDOM } = require('jsdom') as { JSDOM: new (html: string) => { window: { DOMParser: new () => { parseFromString(text: string, mime: string): XDocument } } } };
const parser = new new JSDOM('').window.DOMParser();

/** Parses as XML (not HTML), so any well-formedness error fails loudly. */
export function parseXml(text: string, mime = 'image/svg+xml'): XDocument {
  const doc = parser.parseFromString(text, mime);
  const err = doc.getElementsByTagName('parsererror')[0];
  if (err) throw new Error(`not well-formed XML: ${err.textContent}`);
  return doc;
}

/** Parses HTML5 (for the report). */
export function parseHtml(text: string): XDocument {
  return parser.parseFromString(text, 'text/html');
}
