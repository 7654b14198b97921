/**
 * The backend as a child process of the Electron shell: API calls and events over Node IPC.
 * Arguments: the same as `netcity serve` minus the port (a snapshot file, folders, --demo).
 */
import { parseArgs } from 'node:util';
import { Backend } from './api/backend.js';
import { openInitialCity } from './api/startup.js';
import { appVersion } from './app-paths.js';
import { errorToWire } from './api/contract.js';

async function run(): Promise<void> {
  if (!process.send) throw new Error('backend-child must be started with an IPC channel (by the Electron shell)');
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { demo: { type: 'boolean' }, kubeconfig: { type: 'string' }, allow: { type: 'string', multiple: true } },
  });
  const backend = new Backend({ mode: 'electron', version: appVersion(), kubeconfigPath: values.kubeconfig, allow: values.allow });
  backend.on((event) => process.send?.({ event }));
  process.on('message', async (m: { id: number; method: string; args: unknown; grant?: { path: string; kind: 'file' | 'folder' } }) => {
    // Only the Electron main process writes to this channel: a path the user picked in its dialog.
    if (m.grant) {
      if (m.grant.kind === 'folder') backend.paths.allowFolder(m.grant.path);
      else backend.paths.allowFile(m.grant.path);
      return;
    }
    try {
      process.send?.({ id: m.id, response: { result: await backend.call(m.method as never, m.args) } });
    } catch (err) {
      process.send?.({ id: m.id, response: { error: errorToWire(err) } });
    }
  });
  process.on('disconnect', () => void backend.dispose().finally(() => process.exit(0)));
  try {
    await openInitialCity(backend, { demo: values.demo ?? false, paths: positionals, cwd: process.cwd(), log: (t) => process.stderr.write(`${t}\n`) });
  } catch (err) {
    // A bad file on the command line must not leave an empty window: say why, show the demo.
    backend.openDemo();
    setTimeout(() => backend.emit('notice', { level: 'error', message: `${(err as Error).message} — showing the demo city instead.` }), 1500);
  }
}

run().catch((err) => {
  process.stderr.write(`netcity backend: ${(err as Error).message}\n`);
  process.exit(1);
});
