import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { referenceManifests } from './reference-manifests.js';

describe('resources/probes', () => {
  for (const [file, text] of Object.entries(referenceManifests())) {
    it(`${file} matches what the app creates (regenerate from referenceManifests() when manifests.ts changes)`, () => {
      const onDisk = readFileSync(new URL(`../../resources/probes/${file}`, import.meta.url), 'utf8');
      expect(onDisk).toBe(text);
      for (const d of parseAllDocuments(onDisk)) expect(d.errors).toEqual([]);
    });
  }
});
