/** Keyboard shortcuts: / search, f fit, + - zoom, Esc clear, 1-5 overlays, ? help. */
import { mapControls } from './map-controls';
import { appState } from './state.svelte';
import type { Overlays } from './overlays';

export const SHORTCUTS: [string, string][] = [
  ['/', 'search'],
  ['f', 'fit the city to the window'],
  ['+ / -', 'zoom in / out'],
  ['Esc', 'clear selection, close dialog'],
  ['1 … 5', 'toggle overlays: policy, flows, probes, diff, what-if'],
  ['g', 'findings list'],
  ['t', 'flows view (of the selection)'],
  ['?', 'this help'],
];

const OVERLAY_KEYS: Record<string, keyof Overlays> = { '1': 'policy', '2': 'flows', '3': 'probes', '4': 'diff', '5': 'whatif' };

export function handleShortcut(e: KeyboardEvent): void {
  const app = appState();
  const target = e.target as HTMLElement | null;
  const typing = target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || target.isContentEditable);
  if (e.key === 'Escape') {
    if (app.dialog !== 'none') app.dialog = 'none';
    else app.clearSelection();
    (target as HTMLElement | null)?.blur?.();
    return;
  }
  if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === '/') {
    e.preventDefault();
    document.querySelector<HTMLInputElement>('[data-testid="search"]')?.focus();
  } else if (e.key === 'f') mapControls.fit();
  else if (e.key === '+' || e.key === '=') mapControls.zoomBy(1.25);
  else if (e.key === '-') mapControls.zoomBy(0.8);
  else if (e.key === '?') app.dialog = 'help';
  else if (e.key === 'g') app.panel = 'findings';
  else if (e.key === 't') {
    if (app.flowsOpen) app.flowsOpen = false;
    else app.openFlows();
  }
  else if (OVERLAY_KEYS[e.key]) app.toggleOverlay(OVERLAY_KEYS[e.key]);
}
