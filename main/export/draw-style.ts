/**
 * The exporters' view of the city's style tokens. Every colour, dash and marker comes from
 * main/map/style.ts (the one source shared with the viewer); this file only adds what a static
 * drawing needs on top: SVG/Graphviz spellings, legend wording, and phase glyphs so that house
 * phases survive grayscale printing.
 */
import { LEGEND } from '../map/build.js';
import type { MapEdge, PodPhaseClass, ProbeVerdict, RoadVerdict } from '../map/model.js';
import { displayVerdict, EVIDENCE_MARKERS, MIXED_STYLE, FENCE_STYLES, PALETTE, PHASE_COLOURS, roadWidth as mapRoadWidth, UNENFORCED_STYLE, VERDICT_STYLES } from '../map/style.js';

const legendLabel = (key: string, fallback: string) => LEGEND.find((l) => l.key === key)?.label ?? fallback;

export interface RoadStyle {
  colour: string;
  /** SVG stroke-dasharray at width 1 ('' = solid). */
  dash: string;
  /** Graphviz style keyword (same names as the viewer's line-style). */
  dotStyle: 'solid' | 'dashed' | 'dotted';
  /** What ends the road at its target: arrow, bar, or circle. */
  targetMarker: 'triangle' | 'tee' | 'circle';
  label: string;
}

const road = (v: RoadVerdict): RoadStyle => ({
  colour: VERDICT_STYLES[v].colour,
  dash: VERDICT_STYLES[v].dash,
  dotStyle: VERDICT_STYLES[v].pattern,
  targetMarker: VERDICT_STYLES[v].targetMarker,
  label: legendLabel(v, v),
});

export const ROAD: Record<RoadVerdict, RoadStyle> = { allowed: road('allowed'), denied: road('denied'), unknown: road('unknown') };

/** District roads whose pairs are partly allowed, partly denied. */
export const MIXED_ROAD: RoadStyle = { colour: MIXED_STYLE.colour, dash: MIXED_STYLE.dash, dotStyle: 'dashed', targetMarker: MIXED_STYLE.targetMarker, label: legendLabel('mixed', 'mixed') };

/** Roads open only because the road builder does not enforce the policies that would deny them. */
export const UNENFORCED_ROAD: RoadStyle = { colour: UNENFORCED_STYLE.colour, dash: UNENFORCED_STYLE.dash, dotStyle: 'dashed', targetMarker: UNENFORCED_STYLE.targetMarker, label: legendLabel('unenforced', 'allowed — not enforced') };

/** The style that draws a road: the district mix, the road builder's non-enforcement, else its verdict. */
export function roadStyleOf(e: Pick<MapEdge, 'flags'>, v: RoadVerdict): RoadStyle {
  if (e.flags.includes('mixed')) return MIXED_ROAD;
  if (v === 'allowed' && e.flags.includes('unenforced')) return UNENFORCED_ROAD;
  return ROAD[v];
}

/** Evidence markers sit at the road's source end, one per source: shape tells the source, fill its verdict. */
export const EVIDENCE = {
  observed: { ...EVIDENCE_MARKERS.observed, label: legendLabel('observed', EVIDENCE_MARKERS.observed.label) },
  predicted: { ...EVIDENCE_MARKERS.predicted, label: legendLabel('predicted', EVIDENCE_MARKERS.predicted.label) },
  probed: { ...EVIDENCE_MARKERS.probed, label: legendLabel('probed', EVIDENCE_MARKERS.probed.label) },
} as const;

/** Text glyphs for the graph formats, matching the marker shapes above. */
export const EVIDENCE_GLYPH = { observed: '●', predicted: '○', probed: '◆' } as const;

export const PROBE: Record<ProbeVerdict, { colour: string; glyph: string; label: string }> = {
  ok: { colour: PALETTE.allowed, glyph: '', label: 'probe ok' },
  blocked: { colour: PALETTE.denied, glyph: '×', label: 'probe blocked' },
  mismatch: { colour: PALETTE.mismatch, glyph: '!', label: 'probe and prediction disagree' },
};

/** Phase glyphs are an export addition: print is often grayscale, and failed vs running must still show. */
export const PHASE: Record<PodPhaseClass, { colour: string; glyph: '' | 'cross' | 'hollow' | 'dot'; label: string }> = {
  running: { colour: PHASE_COLOURS.running, glyph: '', label: 'running' },
  pending: { colour: PHASE_COLOURS.pending, glyph: 'hollow', label: 'pending' },
  succeeded: { colour: PHASE_COLOURS.succeeded, glyph: 'dot', label: 'succeeded' },
  failed: { colour: PHASE_COLOURS.failed, glyph: 'cross', label: 'failed' },
  unknown: { colour: PHASE_COLOURS.unknown, glyph: '', label: 'unknown' },
};

export const FENCE = {
  ingress: { colour: PALETTE.fence, pattern: FENCE_STYLES.ingress.pattern, label: legendLabel('fence-ingress', FENCE_STYLES.ingress.label) },
  egress: { colour: PALETTE.fence, pattern: FENCE_STYLES.egress.pattern, label: legendLabel('fence-egress', FENCE_STYLES.egress.label) },
  both: { colour: PALETTE.fence, pattern: FENCE_STYLES.both.pattern, label: legendLabel('fence-both', FENCE_STYLES.both.label) },
} as const;

export const AREA = {
  district: { fill: PALETTE.district, stroke: PALETTE.districtBorder, text: PALETTE.ink, label: legendLabel('district', 'district = namespace') },
  block: { fill: PALETTE.block, stroke: PALETTE.blockBorder, text: PALETTE.ink, label: legendLabel('block', 'block = workload') },
  highway: { fill: PALETTE.highway, stroke: PALETTE.ink, text: PALETTE.ink, label: legendLabel('highway', 'highway = service') },
  outskirt: { fill: PALETTE.outskirt, stroke: PALETTE.outskirtBorder, text: PALETTE.ink, label: legendLabel('outskirt', 'outskirts') },
  highwayLink: { colour: PALETTE.muted },
} as const;

export const TEXT = { font: 'DejaVu Sans, Helvetica, Arial, sans-serif', colour: PALETTE.ink, muted: PALETTE.muted, paper: PALETTE.paper } as const;

export const roadWidth = mapRoadWidth;

/** The verdict that draws an edge, given only the evidence the active overlays show. */
export const drawnVerdict = (e: Pick<MapEdge, 'observed' | 'predicted' | 'probed'>): RoadVerdict => displayVerdict(e);
