/** The export formats, their file types, and which options each takes (pure: the API contract and the CLI read it). */
export const EXPORT_FORMATS = ['svg', 'png', 'html', 'pdf', 'dot', 'mermaid', 'csv-matrix', 'csv-flows', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const FORMAT_INFO: Record<ExportFormat, { mime: string; ext: string; binary: boolean }> = {
  svg: { mime: 'image/svg+xml', ext: 'svg', binary: false },
  png: { mime: 'image/png', ext: 'png', binary: true },
  html: { mime: 'text/html; charset=utf-8', ext: 'html', binary: false },
  pdf: { mime: 'application/pdf', ext: 'pdf', binary: true },
  dot: { mime: 'text/vnd.graphviz', ext: 'dot', binary: false },
  mermaid: { mime: 'text/vnd.mermaid', ext: 'mmd', binary: false },
  'csv-matrix': { mime: 'text/csv; charset=utf-8', ext: 'matrix.csv', binary: false },
  'csv-flows': { mime: 'text/csv; charset=utf-8', ext: 'flows.csv', binary: false },
  json: { mime: 'application/json', ext: 'json', binary: false },
};
