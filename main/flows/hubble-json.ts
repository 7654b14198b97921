/**
 * Hubble JSON lines (`hubble observe -o jsonpb`, the Hubble file exporter: one GetFlowsResponse
 * per line; also bare Flow objects as older `hubble observe -o json` prints) -> FlowRecord or
 * CaptureWarning. Pure: no I/O here; see json-import.ts for reading files.
 */
import type { CaptureWarning, FlowRecord } from '../model/types.js';
import { flowRecordOf, lostEventsWarning, nodeStatusWarnings, timestampMs, type FlowMappingOptions } from './hubble-flow.js';

export type ParsedLine =
  /** `untimed`: the flow had no time and was given `fallbackTime`. */
  | { kind: 'flow'; flow: FlowRecord; untimed?: boolean }
  | { kind: 'warnings'; warnings: CaptureWarning[] }
  /** A valid event NetCity does not use (agent/debug events, a node connecting). */
  | { kind: 'ignored'; what: string }
  | { kind: 'invalid'; message: string };

// Keys a bare Flow always has at least one of; a response never has them at top level.
const FLOW_KEYS = ['verdict', 'IP', 'l4', 'source', 'destination', 'Type', 'event_type'];

/** Interprets one already-parsed JSON value; a flow without a time gets `fallbackTime` (when given). */
export function parseHubbleObject(obj: unknown, opts: FlowMappingOptions = {}, fallbackTime?: number): ParsedLine {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
    return { kind: 'invalid', message: `expected a JSON object, got ${Array.isArray(obj) ? 'an array' : obj === null ? 'null' : `a ${typeof obj}`}` };
  }
  const o = obj as Record<string, unknown>;
  const time = timestampMs(o.time);
  const node = typeof o.node_name === 'string' && o.node_name ? o.node_name : undefined;
  if (o.flow !== undefined) return flowLine(o.flow as Record<string, unknown>, opts, time ?? fallbackTime, time === undefined);
  if (o.node_status !== undefined) {
    const ws = nodeStatusWarnings(o.node_status as Record<string, unknown>, time ?? Date.now());
    return ws.length ? { kind: 'warnings', warnings: ws } : { kind: 'ignored', what: 'node_status' };
  }
  if (o.lost_events !== undefined) {
    return { kind: 'warnings', warnings: [lostEventsWarning(o.lost_events as Record<string, unknown>, time ?? Date.now(), node)] };
  }
  if (o.agent_event !== undefined || o.debug_event !== undefined) {
    return { kind: 'ignored', what: o.agent_event !== undefined ? 'agent_event' : 'debug_event' };
  }
  if (FLOW_KEYS.some((k) => k in o)) return flowLine(o, opts, fallbackTime, true);
  const keys = Object.keys(o).slice(0, 6).join(', ') || 'none';
  return { kind: 'invalid', message: `not a Hubble GetFlowsResponse or Flow (keys: ${keys})` };
}

function flowLine(f: Record<string, unknown>, opts: FlowMappingOptions, fallbackTime: number | undefined, fallbackIsGuess: boolean): ParsedLine {
  const rec = flowRecordOf(f, opts, fallbackTime);
  if (typeof rec === 'string') return { kind: 'invalid', message: rec };
  return fallbackIsGuess && timestampMs(f.time) === undefined ? { kind: 'flow', flow: rec, untimed: true } : { kind: 'flow', flow: rec };
}

/** Parses one text line. Blank lines are "ignored". */
export function parseHubbleLine(line: string, opts: FlowMappingOptions = {}, fallbackTime?: number): ParsedLine {
  const text = line.trim();
  if (!text) return { kind: 'ignored', what: 'blank line' };
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    // V8's message quotes the line's start: never echo a file's contents (it may be any file).
    const at = /position (\d+)/.exec((e as Error).message)?.[1];
    return { kind: 'invalid', message: `not valid JSON${at ? ` (at character ${Number(at) + 1})` : ''}` };
  }
  return parseHubbleObject(obj, opts, fallbackTime);
}
