/** `netcity serve`: browser mode — the backend plus the UI on a loopback URL with a per-run token. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Backend } from '../../api/backend.js';
import { appVersion, rendererDir } from '../../app-paths.js';
import { startServer } from '../../serve/server.js';
import { UsageError, type Command } from '../command.js';
import { openInitialCity } from '../../api/startup.js';
import { CNI_CHOICE_USAGE, cniChoiceOptions, roadBuilderOption } from './road-builder-option.js';
import { SIZE_CAP_OPTIONS, SIZE_CAP_USAGE, sizeCaps } from './size-cap-options.js';

const usage = `
Usage: netcity serve [file.netcity | folder-or-manifest... | --demo] [--port N] [--kubeconfig FILE]
                     [--road-builder NAME] [--host-network as-node|as-pod] [--ipblock-pod-ips match|ignore]

Starts NetCity in browser mode on http://127.0.0.1 only and prints the URL to open (it carries a
random access token for this run). With no argument it opens the demo city when no kubeconfig is
found, else it waits for you to pick a context in the UI.

Options:
  --demo             open the built-in demo city
  --port N           listen on port N (default: a free port)
  --kubeconfig FILE  use this kubeconfig instead of KUBECONFIG / ~/.kube/config
  --config-dir DIR   settings and snapshot library (default ~/.config/netcity)
  --allow DIR        a folder the app may open and save files in, besides the snapshot library and
                     the paths named here (repeatable; also "allowedFolders" in settings.json)
  --road-builder NAME for manifests: the CNI the cluster runs when the folder does not hold it
                     (flannel, calico, cilium, weave, canal, antrea, kube-router, aws-vpc-cni, ...);
                     its policy enforcement decides the predicted verdicts
${CNI_CHOICE_USAGE}
                   (for the city opened at start: file, folder or demo)
${SIZE_CAP_USAGE}
`;

const serve: Command = {
  name: 'serve',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        demo: { type: 'boolean' },
        port: { type: 'string' },
        kubeconfig: { type: 'string' },
        'config-dir': { type: 'string' },
        allow: { type: 'string', multiple: true },
        'road-builder': { type: 'string' },
        'host-network': { type: 'string' },
        'ipblock-pod-ips': { type: 'string' },
        ...SIZE_CAP_OPTIONS,
      },
    });
    const roadBuilder = values['road-builder'] === undefined ? undefined : roadBuilderOption(values['road-builder']);
    const cniChoices = cniChoiceOptions(values);
    let port: number | undefined;
    if (values.port !== undefined) {
      port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected a port number 0-65535, got "${values.port}"`);
    }
    const caps = sizeCaps(values);
    const allow = (values.allow ?? []).map((d) => resolve(io.cwd, d));
    for (const d of allow) if (!existsSync(d) || !statSync(d).isDirectory()) throw new UsageError(`--allow: ${d} is not a folder`);
    const backend = new Backend({ mode: 'browser', version: appVersion(), configDir: values['config-dir'], kubeconfigPath: values.kubeconfig, allow });
    if (caps.maxFileMB) backend.settings.maxManifestFileMB = caps.maxFileMB;
    if (caps.maxTotalMB) backend.settings.maxManifestTotalMB = caps.maxTotalMB;
    // Ctrl-C while the first city is still loading stops that load.
    io.signal.addEventListener('abort', () => backend.tasks.cancelAll(), { once: true });
    await openInitialCity(backend, { demo: values.demo ?? false, paths: positionals, cwd: io.cwd, ...(roadBuilder ? { roadBuilder } : {}), cniChoices, log: (m) => io.err(`${m}\n`) });
    const server = await startServer({ backend, rendererDir: rendererDir(), port });
    io.out(`NetCity is running. Open this URL in your browser (it carries this run's token):\n\n  ${server.url}\n\nPress Ctrl-C to stop.\n`);
    await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
    await server.close();
    await backend.dispose();
    return 0;
  },
};

export default serve;
