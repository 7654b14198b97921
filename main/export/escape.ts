/** Text escaping for the string-built formats (SVG/HTML/XML). One job: nothing unescaped reaches markup. */

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for XML/HTML element content and double- or single-quoted attributes. */
export function escapeXml(text: string): string {
  // Control characters other than tab/newline are not allowed in XML 1.0 at all, so they are dropped.
  // eslint-disable-next-line no-control-regex -- control characters are what this strips
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
}

/** Number formatting for coordinates: two decimals at most, no "-0", no exponent. */
export function num(n: number): string {
  if (!Number.isFinite(n)) return '0';
  const r = Math.round(n * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

export function formatTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}

export function formatWindow(window: { from?: number; to?: number } | undefined): string {
  if (!window || (window.from === undefined && window.to === undefined)) return 'no time window';
  return `${formatTime(window.from)} – ${formatTime(window.to)}`;
}
