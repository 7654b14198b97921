import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fixtureMap, fixtureSnapshot } from '../../test/support/export/fixture.js';
import { parseXml } from '../../test/support/export/xml.js';
import { csvCell, renderCsvFlows, renderCsvMatrix, FLOW_COLUMNS } from './csv.js';
import { dotString, renderDot } from './dot.js';
import { buildExportJson, jsonChunks, JSON_EXPORT_VERSION } from './json.js';
import { graphPlan, NodeIndex, resolveOverlays } from './encoding.js';
import { mermaidText, renderMermaid } from './mermaid.js';

const graph = { title: 'Fixture "city"', lines: ['cluster kind-fixture'] };

/** Minimal RFC 4180 reader, enough to check our own output round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

describe('DOT', () => {
  it('renders with Graphviz: a cluster per district, a node per block, styled edges and a legend', () => {
    const dot = renderDot(fixtureMap(), graph);
    const svg = execFileSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
    const doc = parseXml(svg);
    const titles = [...doc.querySelectorAll('g.cluster > title')].map((t) => t.textContent);
    expect(titles).toEqual(expect.arrayContaining(['cluster_0', 'cluster_1', 'cluster_legend']));
    const clusterText = [...doc.querySelectorAll('g.cluster')].map((g) => g.textContent ?? '').join(' ');
    expect(clusterText).toContain('shop');
    expect(clusterText).toContain('payments');
    const nodes = [...doc.querySelectorAll('g.node > title')].map((t) => t.textContent);
    expect(nodes).toEqual(expect.arrayContaining(['wl:shop/Deployment/cart', 'wl:payments/Deployment/payapi', 'svc:shop/cart', 'world']));
    const edges = [...doc.querySelectorAll('g.edge')];
    const edge = (t: string) => edges.find((e) => e.querySelector('title')!.textContent === t)!;
    // Graphviz writes -> as &#45;&gt; in titles; the text content decodes it.
    const denied = edge('wl:shop/Deployment/cart->wl:payments/Deployment/payapi');
    expect(denied.querySelector('path')!.getAttribute('stroke-dasharray')).toBeTruthy();
    expect(dot).toMatch(/"wl:shop\/Deployment\/cart" -> "wl:payments\/Deployment\/payapi" \[style=dashed, [^\]]*arrowhead=tee/);
    const allowed = edge('wl:shop/Deployment/frontend->wl:shop/Deployment/cart');
    expect(allowed.querySelector('path')!.hasAttribute('stroke-dasharray')).toBe(false);
  });

  it('folds house roads onto blocks and keeps the worst verdict', () => {
    const map = fixtureMap();
    map.edges.push({ id: 'hx', kind: 'road', source: 'pod:shop/frontend-7f9c4-zqx2p', target: 'pod:shop/cart-55d6b-q1w2e', label: 'TCP 9090',
      protocols: ['TCP'], ports: [9090], observed: 'denied', volume: 3, dropped: 3, roadKeys: [], flags: [] });
    const dot = renderDot(map, graph);
    const lines = dot.split('\n').filter((l) => l.includes('"wl:shop/Deployment/frontend" -> "wl:shop/Deployment/cart"'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('style=dashed');
    expect(lines[0]).toContain('TCP 9090');
  });

  it('escapes quotes, backslashes and newlines in labels', () => {
    expect(dotString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    const map = fixtureMap();
    map.nodes[2].label = 'evil" ]; x -> y [label="';
    execFileSync('dot', ['-Tsvg'], { input: renderDot(map, graph), encoding: 'utf8' });
  });
});

/** A validator for the Mermaid subset we emit: every line is one known statement, blocks balance, links name declared nodes. */
function checkMermaid(text: string): { nodes: Set<string>; links: Array<[string, string, string]>; subgraphs: string[] } {
  const lines = text.split('\n');
  expect(lines[0]).toBe('---');
  const fmEnd = lines.indexOf('---', 1);
  expect(fmEnd).toBeGreaterThan(0);
  expect(() => JSON.parse(lines[1].replace(/^title: /, ''))).not.toThrow();
  expect(lines[fmEnd + 1]).toBe('flowchart LR');
  const quoted = '"[^"]*"';
  const shape = `(?:\\[${quoted}\\]|\\{\\{${quoted}\\}\\}|\\(\\[${quoted}\\]\\))`;
  const nodeRe = new RegExp(`^(\\w+)${shape}(?::::\\w+)?$`);
  const linkRe = new RegExp(`^(\\w+)(?:${shape})? (-->|--x|-\\.-o|---)(?:\\|${quoted}\\|)? (\\w+)(?:${shape})?$`);
  const nodes = new Set<string>();
  const links: Array<[string, string, string]> = [];
  const subgraphs: string[] = [];
  let depth = 0;
  for (const raw of lines.slice(fmEnd + 2)) {
    const line = raw.trim();
    if (!line || line.startsWith('%%')) continue;
    let m: RegExpMatchArray | null;
    if ((m = line.match(new RegExp(`^subgraph (\\w+)\\[(${quoted})\\]$`)))) { depth++; subgraphs.push(m[2]); continue; }
    if (line === 'end') { depth--; expect(depth).toBeGreaterThanOrEqual(0); continue; }
    if (/^classDef \w+ [\w#:,.-]+$/.test(line)) continue;
    if (/^linkStyle [\d,]+ [\w#:,. -]+$/.test(line)) continue;
    if ((m = line.match(nodeRe))) { nodes.add(m[1]); continue; }
    if ((m = line.match(linkRe))) {
      links.push([m[1], m[2], m[3]]);
      if (/\[|\{|\(/.test(line.split(' ')[0])) nodes.add(m[1]);
      if (/[\]})]$/.test(line)) nodes.add(m[3]);
      continue;
    }
    throw new Error(`not a Mermaid statement we emit: ${line}`);
  }
  expect(depth).toBe(0);
  for (const [a, , b] of links) {
    expect(nodes.has(a), `link source ${a} declared`).toBe(true);
    expect(nodes.has(b), `link target ${b} declared`).toBe(true);
  }
  return { nodes, links, subgraphs };
}

describe('Mermaid', () => {
  it('is a flowchart with a subgraph per district, links styled by verdict and a legend', () => {
    const text = renderMermaid(fixtureMap(), graph);
    const { links, subgraphs } = checkMermaid(text);
    expect(subgraphs).toEqual(['"shop"', '"payments"', '"Legend"']);
    expect(links.filter(([, op]) => op === '--x').length).toBeGreaterThanOrEqual(2); // denied roads + legend sample
    expect(links.some(([, op]) => op === '-.-o')).toBe(true);
    expect(text).toMatch(/linkStyle [\d,]+ stroke:#d55e00,stroke-width:2px,stroke-dasharray:8 5/);
    const linkStyleCount = (text.match(/linkStyle ([\d,]+)/g) ?? []).flatMap((l) => l.split(' ')[1].split(',')).length;
    expect(linkStyleCount).toBe(links.length);
  });

  it('escapes labels so no quote, bracket or markup breaks out', () => {
    expect(mermaidText('a"b<c>[d]')).toBe('"a#34;b#60;c#62;#91;d#93;"');
    const map = fixtureMap();
    map.nodes[2].label = 'x"] --> evil["<script>';
    checkMermaid(renderMermaid(map, graph));
  });
});

describe('large cities in graph formats', () => {
  it('DOT and Mermaid can draw districts only, folding every road between them', () => {
    const dot = renderDot(fixtureMap(), { ...graph, roads: 'districts' });
    expect(dot).toMatch(/"ns:shop" -> "ns:payments" \[style=dashed/);
    expect(dot).toMatch(/"world" -> "ns:shop" \[style=solid/);
    expect(dot).not.toContain('"wl:shop/Deployment/cart" ->');
    const doc = parseXml(execFileSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' }));
    expect([...doc.querySelectorAll('g.edge > title')].map((t) => t.textContent)).toEqual(expect.arrayContaining(['ns:shop->ns:payments']));
    const { nodes, links } = checkMermaid(renderMermaid(fixtureMap(), { ...graph, roads: 'districts' }));
    expect(links.filter(([a]) => !a.startsWith('lg_'))).toHaveLength(2);
    expect(nodes.size).toBeGreaterThanOrEqual(4);
  });

  it('keeps denied and busy roads first when edges are capped, and counts the rest', () => {
    const map = fixtureMap();
    const plan = graphPlan(map, new NodeIndex(map), resolveOverlays(undefined), { maxEdges: 2 });
    expect(plan.omitted).toBe(4);
    expect(plan.edges.map((e) => e.verdict)).toEqual(['denied', 'unknown']);
    expect(plan.edges[0].volume).toBe(42);
  });

  it('Mermaid says how many roads it left out', () => {
    const map = fixtureMap();
    for (let i = 0; i < 460; i++) {
      map.edges.push({ id: `x${i}`, kind: 'road', source: 'world', target: `ip:198.51.100.${i % 250}/32#${i}`, label: '', protocols: [], ports: [], observed: 'allowed', volume: i, dropped: 0, roadKeys: [], flags: [] });
      map.nodes.push({ id: `ip:198.51.100.${i % 250}/32#${i}`, kind: 'outskirt', label: `o${i}`, x: 0, y: 0, w: 1, h: 1, meta: {}, flags: [] });
    }
    const text = renderMermaid(map, graph);
    const { links } = checkMermaid(text);
    expect(links.length).toBeLessThanOrEqual(500);
    expect(text).toMatch(/omitted\["\d+ more roads not shown/);
  });
});

describe('CSV', () => {
  it('writes a connectivity matrix with verdict and volume per cell', () => {
    const rows = parseCsv(renderCsvMatrix(fixtureMap()));
    const header = rows[0];
    const cell = (src: string, dst: string) => rows.find((r) => r[0] === src)![header.indexOf(dst)];
    expect(cell('wl:shop/Deployment/cart', 'wl:payments/Deployment/payapi')).toBe('denied (42)');
    expect(cell('wl:shop/Deployment/frontend', 'wl:shop/Deployment/cart')).toBe('allowed (1200)');
    expect(cell('world', 'wl:shop/Deployment/frontend')).toBe('allowed (5000)');
    expect(cell('wl:shop/Deployment/frontend', 'wl:payments/Deployment/payapi')).toBe('unknown'); // a probe mismatch outranks the prediction (style.ts displayVerdict)
    expect(cell('world', 'wl:payments/Deployment/payapi')).toBe('');
    for (const r of rows) expect(r).toHaveLength(header.length);
  });

  it('writes one row per observed road with ISO times', () => {
    const s = fixtureSnapshot();
    const rows = parseCsv(renderCsvFlows(s.roads));
    expect(rows[0]).toEqual([...FLOW_COLUMNS]);
    expect(rows).toHaveLength(s.roads.length + 1);
    const dropped = rows.find((r) => r[4] === 'DROPPED')!;
    expect(dropped.slice(0, 6)).toEqual(['wl:shop/Deployment/cart', 'wl:payments/Deployment/payapi', 'TCP', '8443', 'DROPPED', '42']);
    expect(dropped[6]).toBe('2026-11-27T20:00:00.000Z');
    expect(dropped[8]).toBe('POLICY_DENIED:42');
  });

  it('quotes separators and defuses spreadsheet formulas', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"\n')).toBe('"say ""hi""\n"');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(-3)).toBe('-3');
  });
});

describe('JSON', () => {
  it('streams a document that parses to the documented shape', () => {
    const s = fixtureSnapshot();
    const doc = buildExportJson({ snapshot: s, map: fixtureMap(), roads: s.roads, probes: s.probes, title: 't', redacted: false, now: 0 });
    const parsed = JSON.parse([...jsonChunks(doc)].join(''));
    expect(parsed).toEqual(JSON.parse(JSON.stringify(doc)));
    expect(parsed.format).toBe('netcity-export');
    expect(parsed.version).toBe(JSON_EXPORT_VERSION);
    expect(parsed.snapshot.window.from).toBe('2026-11-27T20:00:00.000Z');
    expect(parsed.nodes).toHaveLength(14);
    expect(parsed.policies).toEqual([
      { kind: 'NetworkPolicy', namespace: 'shop', name: 'allow-frontend' },
      { kind: 'NetworkPolicy', namespace: 'payments', name: 'default-deny' },
    ]);
    const empty = buildExportJson({ ...{ snapshot: s, map: { ...fixtureMap(), nodes: [], edges: [] }, roads: [], probes: [] }, title: 't', redacted: false });
    expect(JSON.parse([...jsonChunks(empty)].join('')).nodes).toEqual([]);
  });
});
