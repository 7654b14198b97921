/** The legend every export carries: which rows show depends on the active overlays. */
import type { PodPhaseClass, ProbeVerdict, RoadVerdict } from '../map/model.js';
import type { ResolvedOverlays } from './encoding.js';
import { PALETTE } from '../map/style.js';
import { AREA, EVIDENCE, FENCE, MIXED_ROAD, PHASE, PROBE, ROAD, UNENFORCED_ROAD } from './draw-style.js';

/** What else is on screen besides the overlays: a diff or what-if shown, and interactive marks. */
export interface LegendExtras {
  diff?: boolean;
  whatif?: boolean;
  /** The app's map: selection and highlights. */
  interactive?: boolean;
}

export type LegendSwatch =
  | { type: 'road'; verdict: RoadVerdict | 'mixed' | 'unenforced' }
  | { type: 'width' }
  | { type: 'evidence'; source: 'predicted' | 'observed' | 'probed' }
  | { type: 'probe'; verdict: ProbeVerdict }
  | { type: 'house'; phase: PodPhaseClass }
  | { type: 'fence'; direction: 'ingress' | 'egress' | 'both' }
  | { type: 'area'; area: 'district' | 'block' | 'highway' | 'outskirt' }
  /** A coloured glow under a road or place (selection, findings, disagreement, diff, what-if). */
  | { type: 'halo'; colour: string };

export interface LegendRow {
  label: string;
  swatch: LegendSwatch;
}

export interface LegendSection {
  title: string;
  rows: LegendRow[];
}

export function legendSections(o: ResolvedOverlays, extras: LegendExtras = {}): LegendSection[] {
  const sections: LegendSection[] = [];
  const roads: LegendRow[] = (['allowed', 'denied', 'unknown'] as const).map((v) => ({ label: ROAD[v].label, swatch: { type: 'road', verdict: v } }));
  roads.push({ label: MIXED_ROAD.label, swatch: { type: 'road', verdict: 'mixed' } });
  if (o.policy) roads.push({ label: UNENFORCED_ROAD.label, swatch: { type: 'road', verdict: 'unenforced' } });
  if (o.flows) roads.push({ label: 'width = observed flows', swatch: { type: 'width' } });
  sections.push({ title: 'Roads', rows: roads });
  const evidence: LegendRow[] = [];
  if (o.flows) evidence.push({ label: EVIDENCE.observed.label, swatch: { type: 'evidence', source: 'observed' } });
  if (o.policy) evidence.push({ label: EVIDENCE.predicted.label, swatch: { type: 'evidence', source: 'predicted' } });
  if (o.probes) {
    evidence.push({ label: EVIDENCE.probed.label, swatch: { type: 'evidence', source: 'probed' } });
    for (const v of ['ok', 'blocked', 'mismatch'] as const) evidence.push({ label: PROBE[v].label, swatch: { type: 'probe', verdict: v } });
  }
  if (evidence.length) sections.push({ title: 'Evidence (source end; fill = verdict)', rows: evidence });
  const houses: LegendRow[] = (Object.keys(PHASE) as PodPhaseClass[]).map((p) => ({ label: `pod ${PHASE[p].label}`, swatch: { type: 'house', phase: p } }));
  if (o.policy) for (const d of ['ingress', 'egress', 'both'] as const) houses.push({ label: FENCE[d].label, swatch: { type: 'fence', direction: d } });
  sections.push({ title: 'Houses (pods)', rows: houses });
  const marks: LegendRow[] = [];
  if (o.policy || o.probes) marks.push({ label: 'sources disagree', swatch: { type: 'halo', colour: PALETTE.mismatch } });
  marks.push({ label: 'has a finding', swatch: { type: 'halo', colour: PALETTE.finding } });
  if (extras.interactive) marks.push({ label: 'selected / search result', swatch: { type: 'halo', colour: PALETTE.selection } });
  if (extras.diff) {
    marks.push({ label: 'diff: added', swatch: { type: 'halo', colour: PALETTE.diffAdded } });
    marks.push({ label: 'diff: removed', swatch: { type: 'halo', colour: PALETTE.diffRemoved } });
    marks.push({ label: 'diff: changed', swatch: { type: 'halo', colour: PALETTE.diffChanged } });
  }
  if (extras.whatif) {
    marks.push({ label: 'what-if: newly allowed', swatch: { type: 'halo', colour: PALETTE.whatifAllowed } });
    marks.push({ label: 'what-if: newly denied', swatch: { type: 'halo', colour: PALETTE.whatifDenied } });
  }
  sections.push({ title: 'Marks', rows: marks });
  sections.push({
    title: 'Places',
    rows: [
      { label: AREA.district.label, swatch: { type: 'area', area: 'district' } },
      { label: AREA.block.label, swatch: { type: 'area', area: 'block' } },
      { label: AREA.highway.label, swatch: { type: 'area', area: 'highway' } },
      { label: AREA.outskirt.label, swatch: { type: 'area', area: 'outskirt' } },
    ],
  });
  return sections;
}
