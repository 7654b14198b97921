/** The user's own evidence of a city: moved places (positions) and notes, bounded in total. */
import type { City } from '../city/city.js';
import type { PeerId, Position } from '../model/types.js';
import { ValidationError } from '../api/validate.js';

/** Totals a city keeps from the UI (each call is capped by the contract; these cap the sum). */
export const MAX_POSITIONS = 200_000;
export const MAX_NOTES = 10_000;
export const MAX_NOTES_CHARS = 10_000_000;

export function setPositions(c: City, positions: Record<PeerId, Position>): { ok: true } {
  const added = Object.keys(positions).filter((k) => !Object.hasOwn(c.evidence.positions, k)).length;
  if (Object.keys(c.evidence.positions).length + added > MAX_POSITIONS)
    throw new ValidationError(`positions.set: a city keeps at most ${MAX_POSITIONS} moved places, and this would go over`);
  Object.assign(c.evidence.positions, positions);
  c.flowsChanged();
  return { ok: true };
}

export function addNote(c: City, target: string | undefined, text: string): { ok: true } {
  const total = c.evidence.notes.reduce((n, x) => n + x.text.length, 0);
  if (c.evidence.notes.length >= MAX_NOTES || total + text.length > MAX_NOTES_CHARS)
    throw new ValidationError(`notes.add: a city keeps at most ${MAX_NOTES} notes and ${MAX_NOTES_CHARS} characters of notes, and this one would go over; write it in a shorter note`);
  c.evidence.notes.push({ id: `note-${Date.now()}-${c.evidence.notes.length}`, time: Date.now(), target, text });
  return { ok: true };
}
