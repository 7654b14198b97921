/** `netcity diff A B`: what changed between two snapshots (same cluster or two clusters). */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DIFF_FORMATS, diffSnapshots, formatDiff, hasChanges, type DiffFormat } from '../../diff/index.js';
import { openSnapshot } from '../../store/index.js';
import { UsageError, type Command } from '../command.js';

const usage = `
Usage: netcity diff A.netcity B.netcity [--format txt|json|md] [--out FILE] [--no-connectivity] [--exit-code]

Compares snapshot A (before) with snapshot B (after): namespaces, nodes, workloads, pods and
services added, removed or changed; policies compared rule by rule (rule added, removed or
changed, selector changed, ports changed); connectivity newly allowed or denied by the policies,
with the policy change that caused it; observed roads new, vanished or with a flipped verdict.

Options:
  --format F         txt (default), md (Markdown, for a review), json (for tools and the UI overlay)
  --out FILE         write the diff to FILE instead of standard output
  --no-connectivity  skip the policy-engine comparison (faster on very large clusters)
  --exit-code        exit 1 when the snapshots differ, 0 when they do not
`;

const diff: Command = {
  name: 'diff',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: 'string', short: 'f', default: 'txt' },
        out: { type: 'string', short: 'o' },
        'no-connectivity': { type: 'boolean' },
        'exit-code': { type: 'boolean' },
      },
    });
    if (positionals.length !== 2) throw new UsageError(`expected two snapshot files (A and B), got ${positionals.length}`);
    const format = values.format as DiffFormat;
    if (!DIFF_FORMATS.includes(format)) throw new UsageError(`--format: expected one of ${DIFF_FORMATS.join(', ')}, got "${values.format}"`);
    const [fa, fb] = positionals.map((p) => path.resolve(io.cwd, p));
    // Raw flows are not compared (roads are): load none.
    const a = openSnapshot(fa, { maxRawFlows: 0 });
    const b = openSnapshot(fb, { maxRawFlows: 0 });
    const d = diffSnapshots(a, b, { connectivity: !values['no-connectivity'], files: { a: positionals[0], b: positionals[1] } });
    const text = formatDiff(d, format);
    if (values.out) {
      const out = path.resolve(io.cwd, values.out);
      fs.writeFileSync(out, text);
      io.err(`wrote ${format} diff to ${out}\n`);
    } else io.out(text);
    if (d.connectivity.status === 'unavailable') io.err(`warning: ${d.connectivity.reason}\n`);
    return values['exit-code'] && hasChanges(d) ? 1 : 0;
  },
};

export default diff;
