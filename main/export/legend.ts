/** The legend every export carries: which rows show depends on the active overlays. */
import type { PodPhaseClass, ProbeVerdict, RoadVerdict } from '../map/model.js';
import type { ResolvedOverlays } from './encoding.js';
import { EVIDENCE, FENCE, PHASE, PROBE, ROAD } from './style-tokens.js';

export type LegendSwatch =
  | { type: 'road'; verdict: RoadVerdict }
  | { type: 'width' }
  | { type: 'evidence'; source: 'predicted' | 'observed' }
  | { type: 'probe'; verdict: ProbeVerdict }
  | { type: 'house'; phase: PodPhaseClass }
  | { type: 'fence'; direction: 'ingress' | 'egress' }
  | { type: 'area'; area: 'district' | 'block' | 'highway' | 'outskirt' };

export interface LegendRow {
  label: string;
  swatch: LegendSwatch;
}

export interface LegendSection {
  title: string;
  rows: LegendRow[];
}

export function legendSections(o: ResolvedOverlays): LegendSection[] {
  const sections: LegendSection[] = [];
  const roads: LegendRow[] = (['allowed', 'denied', 'unknown'] as const).map((v) => ({ label: ROAD[v].label, swatch: { type: 'road', verdict: v } }));
  if (o.flows) roads.push({ label: 'width = observed flows', swatch: { type: 'width' } });
  sections.push({ title: 'Roads', rows: roads });
  const evidence: LegendRow[] = [];
  if (o.policy) evidence.push({ label: EVIDENCE.predicted.label, swatch: { type: 'evidence', source: 'predicted' } });
  if (o.flows) evidence.push({ label: EVIDENCE.observed.label, swatch: { type: 'evidence', source: 'observed' } });
  if (o.probes) for (const v of ['ok', 'blocked', 'mismatch'] as const) evidence.push({ label: PROBE[v].label, swatch: { type: 'probe', verdict: v } });
  if (evidence.length) sections.push({ title: 'Evidence (marker colour = its verdict)', rows: evidence });
  const houses: LegendRow[] = (Object.keys(PHASE) as PodPhaseClass[]).map((p) => ({ label: `pod ${PHASE[p].label}`, swatch: { type: 'house', phase: p } }));
  if (o.policy) for (const d of ['ingress', 'egress'] as const) houses.push({ label: FENCE[d].label, swatch: { type: 'fence', direction: d } });
  sections.push({ title: 'Houses (pods)', rows: houses });
  sections.push({
    title: 'Places',
    rows: [
      { label: 'district (namespace)', swatch: { type: 'area', area: 'district' } },
      { label: 'block (workload)', swatch: { type: 'area', area: 'block' } },
      { label: 'highway (service)', swatch: { type: 'area', area: 'highway' } },
      { label: 'outskirts (world, IPs, nodes)', swatch: { type: 'area', area: 'outskirt' } },
    ],
  });
  return sections;
}
