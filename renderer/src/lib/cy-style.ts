/** The Cytoscape stylesheet, built from the shared style tokens (main/map/style.ts). */
import type { StylesheetJson } from 'cytoscape';
import { FENCE_STYLES, MIXED_STYLE, PALETTE, PHASE_COLOURS, UNENFORCED_STYLE, VERDICT_STYLES } from '../../../main/map/style';

export function cityStylesheet(): StylesheetJson {
  const verdictRules = (Object.keys(VERDICT_STYLES) as (keyof typeof VERDICT_STYLES)[]).map((v) => ({
    selector: `edge.road.v-${v}`,
    style: {
      'line-color': VERDICT_STYLES[v].colour,
      'line-style': VERDICT_STYLES[v].pattern,
      'target-arrow-color': VERDICT_STYLES[v].colour,
      'target-arrow-shape': VERDICT_STYLES[v].targetMarker,
      'source-arrow-color': VERDICT_STYLES[v].colour,
      ...(v === 'denied' ? { 'line-dash-pattern': [8, 5] } : {}),
      ...(v === 'unknown' ? { 'line-dash-pattern': [2, 4] } : {}),
    },
  }));
  return [
    {
      selector: 'node',
      style: {
        // Labels, widths and heights are per-element style bypasses (lib/elements.ts).
        'font-family': 'Inter, "Segoe UI", system-ui, sans-serif',
        'font-size': 11,
        color: PALETTE.ink,
        'min-zoomed-font-size': 7,
        'z-index-compare': 'manual',
        'overlay-opacity': 0,
      },
    },
    {
      selector: 'node.district',
      style: {
        shape: 'round-rectangle',
        'background-color': PALETTE.district,
        'border-color': PALETTE.districtBorder,
        'border-width': 1.5,
        'text-valign': 'top',
        'text-halign': 'center',
        'text-margin-y': 24,
        'font-size': 16,
        'font-weight': 'bold',
        'z-index': 1,
        'min-zoomed-font-size': 3,
      },
    },
    { selector: 'node.district.level-districts', style: { 'font-size': 'mapData(w, 200, 3000, 40, 160)' } },
    {
      selector: 'node.block',
      style: {
        shape: 'round-rectangle',
        'background-color': PALETTE.block,
        'border-color': PALETTE.blockBorder,
        'border-width': 1,
        'text-valign': 'top',
        'text-halign': 'center',
        'text-margin-y': 15,
        'font-size': 10,
        'z-index': 2,
      },
    },
    {
      selector: 'node.house',
      style: {
        shape: 'rectangle',
        label: '',
        'background-color': PHASE_COLOURS.unknown,
        'border-color': PALETTE.fence,
        'border-width': 0,
        'z-index': 3,
      },
    },
    ...(Object.keys(PHASE_COLOURS) as (keyof typeof PHASE_COLOURS)[]).map((p) => ({
      selector: `node.house.phase-${p}`,
      style: { 'background-color': PHASE_COLOURS[p] },
    })),
    { selector: 'node.house.fences-on.fenced-ingress', style: { 'border-width': FENCE_STYLES.ingress.width, 'border-style': FENCE_STYLES.ingress.pattern } },
    { selector: 'node.house.fences-on.fenced-egress', style: { 'border-width': FENCE_STYLES.egress.width, 'border-style': FENCE_STYLES.egress.pattern } },
    { selector: 'node.house.fences-on.fenced-both', style: { 'border-width': FENCE_STYLES.both.width, 'border-style': FENCE_STYLES.both.pattern } },
    { selector: 'node.house.host-network', style: { shape: 'diamond' } },
    {
      selector: 'node.highway',
      style: {
        shape: 'hexagon',
        'background-color': PALETTE.highway,
        color: PALETTE.ink,
        'text-valign': 'bottom',
        'text-margin-y': 3,
        'font-size': 9,
        'z-index': 4,
      },
    },
    { selector: 'node.highway.no-endpoints', style: { 'background-color': '#ffffff', 'border-width': 2, 'border-color': PALETTE.highway } },
    {
      selector: 'node.outskirt',
      style: {
        shape: 'ellipse',
        'background-color': PALETTE.outskirt,
        'border-color': PALETTE.outskirtBorder,
        'border-width': 2,
        'text-valign': 'bottom',
        'text-margin-y': 4,
        'font-size': 11,
        'z-index': 4,
      },
    },
    { selector: 'node.outskirt.t-world', style: { shape: 'ellipse', 'background-color': '#cfe6f5', 'font-weight': 'bold' } },
    { selector: 'node.outskirt.t-node', style: { shape: 'round-rectangle' } },
    { selector: 'node.outskirt.t-dns', style: { shape: 'round-tag' } },
    { selector: 'node.outskirt.t-ip', style: { shape: 'cut-rectangle' } },
    { selector: 'node.outskirt.t-kube-apiserver', style: { shape: 'star' } },
    {
      selector: 'node.road-label',
      style: {
        shape: 'round-rectangle',
        'background-color': '#ffffff',
        'background-opacity': 0.92,
        'border-width': 0.5,
        'border-color': PALETTE.muted,
        'text-valign': 'center',
        'text-halign': 'center',
        'min-zoomed-font-size': 6,
        color: PALETTE.ink,
        'z-index': 20,
      },
    },
    { selector: 'node.road-label.lbl-districts', style: { 'font-weight': 'bold' } },
    { selector: 'node.not-permitted', style: { 'background-color': '#eeeeee', 'border-style': 'dashed', 'border-color': PALETTE.muted } },
    { selector: 'node.finding', style: { 'underlay-color': PALETTE.finding, 'underlay-opacity': 0.18, 'underlay-padding': 4 } },
    {
      selector: 'edge',
      style: {
        'curve-style': 'bezier',
        // A road's width (by volume) is a per-element bypass; see MapView's applyAll.
        width: 2,
        'arrow-scale': 1.1,
        'overlay-opacity': 0,
        'z-index-compare': 'manual',
        'z-index': 10,
        'text-events': 'yes',
        'font-size': 9,
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.85,
        'text-background-padding': '2px',
        'text-rotation': 'autorotate',
        'min-zoomed-font-size': 8,
        opacity: 0.9,
      },
    },
    {
      selector: 'edge.link',
      style: { width: 1.5, 'line-color': PALETTE.highway, opacity: 0.7, 'curve-style': 'straight', 'target-arrow-shape': 'none', 'z-index': 5 },
    },
    // Roads along the streets: the model's bend points (see lib/elements.ts segmentsOf).
    // Their weights and distances are per-element bypasses.
    { selector: 'edge.routed', style: { 'curve-style': 'segments', 'edge-distances': 'node-position', 'segment-radii': 0 } },
    ...verdictRules,
    {
      selector: 'edge.road.mixed',
      style: {
        'line-color': MIXED_STYLE.colour,
        'line-style': MIXED_STYLE.pattern,
        'line-dash-pattern': MIXED_STYLE.dash.split(' ').map(Number),
        'target-arrow-color': MIXED_STYLE.colour,
        'target-arrow-shape': MIXED_STYLE.targetMarker,
        'source-arrow-color': MIXED_STYLE.colour,
      },
    },
    {
      selector: 'edge.road.unenforced',
      style: {
        'line-color': UNENFORCED_STYLE.colour,
        'line-style': UNENFORCED_STYLE.pattern,
        'line-dash-pattern': UNENFORCED_STYLE.dash.split(' ').map(Number),
        'target-arrow-color': UNENFORCED_STYLE.colour,
        'target-arrow-shape': UNENFORCED_STYLE.targetMarker,
        'target-arrow-fill': 'hollow',
        'source-arrow-color': UNENFORCED_STYLE.colour,
      },
    },
    { selector: 'edge.road.e-observed', style: { 'source-arrow-shape': 'circle', 'source-arrow-fill': 'filled' } },
    { selector: 'edge.road.e-predicted', style: { 'source-arrow-shape': 'circle', 'source-arrow-fill': 'hollow', opacity: 0.75 } },
    { selector: 'edge.road.e-probed', style: { 'source-arrow-shape': 'diamond', 'source-arrow-fill': 'filled' } },
    { selector: 'edge.road.probed', style: { 'mid-target-arrow-shape': 'diamond', 'mid-target-arrow-color': PALETTE.ink } },
    // On a shared street the most telling road is on top (and is the one a click picks).
    { selector: 'edge.road.v-denied, edge.road.mixed', style: { 'z-index': 12 } },
    { selector: 'edge.road.mismatch', style: { 'z-index': 13 } },
    { selector: 'edge.road.mismatch', style: { 'underlay-color': PALETTE.mismatch, 'underlay-opacity': 0.45, 'underlay-padding': 5 } },
    { selector: 'edge.road:selected, edge.road.highlight', style: { label: 'data(label)', 'underlay-color': PALETTE.selection, 'underlay-opacity': 0.8, 'underlay-padding': 6 } },
    { selector: 'node:selected, node.highlight', style: { 'underlay-color': PALETTE.selection, 'underlay-opacity': 0.9, 'underlay-padding': 6 } },
    { selector: '.diff-added', style: { 'underlay-color': PALETTE.diffAdded, 'underlay-opacity': 0.55, 'underlay-padding': 6 } },
    { selector: '.diff-removed', style: { 'underlay-color': PALETTE.diffRemoved, 'underlay-opacity': 0.55, 'underlay-padding': 6 } },
    { selector: '.diff-changed', style: { 'underlay-color': PALETTE.diffChanged, 'underlay-opacity': 0.55, 'underlay-padding': 6 } },
    { selector: '.faded', style: { opacity: 0.12 } },
    { selector: '.hidden', style: { display: 'none' } },
    { selector: '.lvl-hidden', style: { display: 'none' } },
  ] as StylesheetJson;
}

/** Extra rules for what-if previews (flags set by the backend on the preview map). */
export const WHATIF_RULES = [
  { selector: 'edge.whatif-allowed', style: { 'underlay-color': PALETTE.whatifAllowed, 'underlay-opacity': 0.6, 'underlay-padding': 6, label: 'data(label)' } },
  { selector: 'edge.whatif-denied', style: { 'underlay-color': PALETTE.whatifDenied, 'underlay-opacity': 0.6, 'underlay-padding': 6, label: 'data(label)' } },
];
