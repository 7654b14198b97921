/**
 * The one source of the city's visual tokens, used by the Cytoscape viewer and every exporter.
 * Colours are from the Okabe-Ito palette (safe for colour-blind readers); every verdict is also
 * told apart by line pattern and marker so the map reads in grayscale.
 */
import type { MapEdge, PodPhaseClass, RoadVerdict } from './model.js';

export const PALETTE = {
  ink: '#1f2328',
  muted: '#6e7781',
  paper: '#ffffff',
  district: '#f6f3ec',
  districtBorder: '#8c8474',
  block: '#ffffff',
  blockBorder: '#c9c1b1',
  highway: '#0072b2',
  outskirt: '#e8eef4',
  outskirtBorder: '#56b4e9',
  allowed: '#0072b2',
  denied: '#d55e00',
  unknown: '#7a7a7a',
  mismatch: '#cc79a7',
  fence: '#1f2328',
  diffAdded: '#009e73',
  diffRemoved: '#d55e00',
  diffChanged: '#e69f00',
  selection: '#f0e442',
  whatifAllowed: '#009e73',
  whatifDenied: '#d55e00',
  finding: '#d55e00',
} as const;

export const PHASE_COLOURS: Record<PodPhaseClass, string> = {
  running: '#009e73',
  pending: '#e69f00',
  failed: '#d55e00',
  succeeded: '#b8b8b8',
  unknown: '#cc79a7',
};

export interface LineStyle {
  colour: string;
  /** Cytoscape line-style. */
  pattern: 'solid' | 'dashed' | 'dotted';
  /** SVG stroke-dasharray equivalent ('' = solid). */
  dash: string;
  /** Marker at the target end: a triangle for allowed, a bar ("tee") for denied, a circle for unknown. */
  targetMarker: 'triangle' | 'tee' | 'circle';
}

export const VERDICT_STYLES: Record<RoadVerdict, LineStyle> = {
  allowed: { colour: PALETTE.allowed, pattern: 'solid', dash: '', targetMarker: 'triangle' },
  denied: { colour: PALETTE.denied, pattern: 'dashed', dash: '8 5', targetMarker: 'tee' },
  unknown: { colour: PALETTE.unknown, pattern: 'dotted', dash: '2 4', targetMarker: 'circle' },
};

/** A district road whose workload pairs are partly allowed, partly denied: dash-dot, in orange. */
export const MIXED_STYLE = { colour: '#e69f00', pattern: 'dashed', dash: '10 4 2 4', targetMarker: 'tee' } as const;

/**
 * A road the policies as written deny (or would fence) but that is open because the road builder
 * does not enforce those policies (Flannel, or a kind it ignores): violet, long dashes, hollow
 * arrow — allowed, and visibly not for the reason the YAML suggests.
 */
export const UNENFORCED_STYLE = { colour: '#7b61a8', pattern: 'dashed', dash: '14 4', targetMarker: 'triangle' } as const;

/** Markers at the source end tell where the verdict comes from. */
export const EVIDENCE_MARKERS = {
  observed: { shape: 'circle', filled: true, label: 'observed (flows)' },
  predicted: { shape: 'circle', filled: false, label: 'predicted (policies only)' },
  probed: { shape: 'diamond', filled: true, label: 'probed (active check)' },
} as const;

/** House borders show fences: ingress solid, egress dashed, both double. */
export const FENCE_STYLES = {
  ingress: { pattern: 'solid', width: 3, label: 'fenced for ingress' },
  egress: { pattern: 'dashed', width: 3, label: 'fenced for egress' },
  both: { pattern: 'double', width: 5, label: 'fenced both ways' },
} as const;

export const SIZES = {
  house: 18,
  houseGap: 6,
  blockPad: 10,
  blockLabel: 16,
  districtPad: 24,
  districtLabel: 30,
  highway: 26,
  outskirt: 54,
  cityGap: 60,
} as const;

/** Road width grows with the log of its volume so one busy road does not swamp the map. */
export function roadWidth(volume: number): number {
  if (volume <= 0) return 1.5;
  return Math.min(8, 1.5 + Math.log10(volume + 1) * 1.6);
}

/** The verdict that decides how an edge is drawn: observed wins, then probed, then predicted. */
export function displayVerdict(edge: Pick<MapEdge, 'observed' | 'predicted' | 'probed'>): RoadVerdict {
  if (edge.observed) return edge.observed;
  if (edge.probed) return edge.probed === 'ok' ? 'allowed' : edge.probed === 'blocked' ? 'denied' : 'unknown';
  return edge.predicted ?? 'unknown';
}
