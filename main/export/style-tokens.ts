/**
 * Style tokens for exports until main/map/style.ts (the app's single source) lands; then this file
 * re-exports from there. Colours are the Okabe-Ito palette (safe for the common colour-vision
 * deficiencies) and every verdict also differs by dash pattern and marker, so it reads in grayscale.
 */
import type { PodPhaseClass, ProbeVerdict, RoadVerdict } from '../map/model.js';

export interface RoadStyle {
  colour: string;
  /** SVG stroke-dasharray in px at width 1 (scaled with the stroke); '' for solid. */
  dash: string;
  /** Graphviz style keyword. */
  dotStyle: 'solid' | 'dashed' | 'dotted';
  label: string;
}

export const ROAD: Record<RoadVerdict, RoadStyle> = {
  allowed: { colour: '#0072B2', dash: '', dotStyle: 'solid', label: 'allowed' },
  denied: { colour: '#D55E00', dash: '6 4', dotStyle: 'dashed', label: 'denied' },
  unknown: { colour: '#6E6E6E', dash: '1.5 3', dotStyle: 'dotted', label: 'unknown / not isolated' },
};

/** Evidence markers sit at a road's middle, one per source, so they differ by shape as well as fill. */
export const EVIDENCE = {
  predicted: { shape: 'diamond', label: 'predicted (policy engine)' },
  observed: { shape: 'circle', label: 'observed (flows)' },
  probed: { shape: 'square', label: 'probed (active check)' },
} as const;

export const PROBE: Record<ProbeVerdict, { colour: string; glyph: string; label: string }> = {
  ok: { colour: '#009E73', glyph: '', label: 'probe ok' },
  blocked: { colour: '#D55E00', glyph: '×', label: 'probe blocked' },
  mismatch: { colour: '#CC79A7', glyph: '!', label: 'probe disagrees with prediction' },
};

/** House fill by phase; failed and pending also carry a glyph so grayscale still tells them apart. */
export const PHASE: Record<PodPhaseClass, { colour: string; glyph: '' | 'cross' | 'hollow' | 'dot'; label: string }> = {
  running: { colour: '#009E73', glyph: '', label: 'running' },
  pending: { colour: '#E69F00', glyph: 'hollow', label: 'pending' },
  succeeded: { colour: '#56B4E9', glyph: 'dot', label: 'succeeded' },
  failed: { colour: '#D55E00', glyph: 'cross', label: 'failed' },
  unknown: { colour: '#BBBBBB', glyph: '', label: 'unknown' },
};

export const FENCE = {
  ingress: { colour: '#000000', dash: '', label: 'ingress fence (isolated for incoming)' },
  egress: { colour: '#000000', dash: '2 2', label: 'egress fence (isolated for outgoing)' },
} as const;

export const AREA = {
  district: { fill: '#F4F4F1', stroke: '#8A8A80', text: '#333333' },
  block: { fill: '#FFFFFF', stroke: '#B8B8B0', text: '#444444' },
  highway: { fill: '#F0E442', stroke: '#7A7000', text: '#333333' },
  outskirt: { fill: '#E8E8F4', stroke: '#6A6A90', text: '#333333' },
  highwayLink: { colour: '#A0A090', dash: '' },
} as const;

export const TEXT = { font: 'DejaVu Sans, Helvetica, Arial, sans-serif', colour: '#222222', muted: '#666666' } as const;

/** Road width in px from its observed volume: log scale, so one chatty road does not hide the rest. */
export function roadWidth(volume: number): number {
  return Math.min(8, 1.25 + Math.log10(1 + Math.max(0, volume)) * 1.5);
}
