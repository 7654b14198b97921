// `netcity snapshot --context` against a real cluster: the saved .netcity file holds the live
// city (limited to chosen namespaces when asked) and none of the kubeconfig's credentials.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../../../main/cli/command.js';
import probe from '../../../main/cli/commands/probe.js';
import snapshot from '../../../main/cli/commands/snapshot.js';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import { openSnapshot } from '../../../main/store/index.js';
import * as k8s from '@kubernetes/client-node';
import { MANAGED_SELECTOR } from '../../../main/probes/labels.js';
import { adminContext, announceSkip, kubeconfigPath, loadKubeConfig, prepareCluster, restrictedContext } from './fixture.js';

const skip = announceSkip(import.meta.filename);

describe.skipIf(skip)('netcity snapshot --context (live)', () => {
  let dir: string;
  let out: string[];
  let err: string[];
  let io: CliIO;
  let context: string;
  beforeAll(async () => {
    await prepareCluster();
    context = adminContext() ?? loadKubeConfig().getCurrentContext();
  }, 240_000);
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netcity-cli-live-'));
    out = [];
    err = [];
    io = { out: (t) => out.push(t), err: (t) => err.push(t), cwd: dir, signal: new AbortController().signal };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('saves the whole live city without credentials', async () => {
    const code = await snapshot.run(['--context', context, '--kubeconfig', kubeconfigPath(), '--out', 'live.netcity'], io);
    expect(code, err.join('')).toBe(0);
    const file = path.join(dir, 'live.netcity');
    const back = openSnapshot(file);
    expect(back.cluster).toMatchObject({ source: 'live', context });
    const demo = demoSnapshot();
    for (const n of demo.namespaces) expect(back.namespaces.some((x) => x.name === n.name), n.name).toBe(true);
    expect(back.policies.length).toBeGreaterThanOrEqual(demo.policies.length);
    // Pods of the demo's shop workloads (other test files may add pods of their own there).
    const shopWorkloads = new Set(demo.workloads.filter((w) => w.namespace === 'shop').map((w) => w.name));
    expect(back.pods.filter((p) => p.namespace === 'shop' && shopWorkloads.has(p.owner?.name ?? '')).length).toBe(
      demo.workloads.filter((w) => w.namespace === 'shop' && w.kind !== 'CronJob').reduce((n, w) => n + (w.replicas ?? 1), 0),
    );
    expect(out.join('')).toMatch(/saved .*live\.netcity: \d+ namespaces/);
    // No token, key or certificate of the kubeconfig ends up in the file.
    const raw = fs.readFileSync(file);
    const secrets = [...fs.readFileSync(kubeconfigPath(), 'utf8').matchAll(/(?:token|client-key-data|client-certificate-data|certificate-authority-data):\s*"?([^"\s]+)/g)].map((m) => m[1]);
    for (const s of secrets) expect(raw.includes(Buffer.from(s)), 'a kubeconfig secret in the snapshot file').toBe(false);
  });

  it('limits the city to the namespaces asked for', async () => {
    const code = await snapshot.run(['--context', context, '--kubeconfig', kubeconfigPath(), '--namespace', 'payments', '--out', 'payments.netcity'], io);
    expect(code, err.join('')).toBe(0);
    const back = openSnapshot(path.join(dir, 'payments.netcity'));
    expect(back.namespaces.map((n) => n.name)).toEqual(['payments']);
    expect(back.pods.length).toBeGreaterThan(0);
    expect(back.pods.every((p) => p.namespace === 'payments')).toBe(true);
  });

  it('names the missing context and the ones the kubeconfig has', async () => {
    const e = await snapshot.run(['--context', 'no-such-context', '--kubeconfig', kubeconfigPath(), '--out', 'x.netcity'], io).catch((x: unknown) => x);
    expect(String((e as Error).message ?? e)).toMatch(/no-such-context.*not found \(have: /);
    expect(fs.existsSync(path.join(dir, 'x.netcity'))).toBe(false);
  });

  describe('netcity probe without --yes', () => {
    const managedNamespaces = async () =>
      (await loadKubeConfig().makeApiClient(k8s.CoreV1Api).listNamespace({ labelSelector: MANAGED_SELECTOR })).items.map((n) => n.metadata?.name);

    it('prints the enforcement plan with every permission granted for the admin, and creates nothing', async () => {
      const before = await managedNamespaces();
      const code = await probe.run(['--context', context, '--kubeconfig', kubeconfigPath(), '--json', 'enforcement'], io);
      expect(code, err.join('')).toBe(0);
      const shown = JSON.parse(out.join('')) as { plan: { runId: string }; permissions: { allowed: boolean }[]; created: boolean };
      expect(shown.created).toBe(false);
      expect(shown.permissions.length).toBeGreaterThan(5);
      expect(shown.permissions.every((p) => p.allowed)).toBe(true);
      expect(await managedNamespaces()).toEqual(before);
    });

    it.skipIf(!restrictedContext())("answers the restricted user's permissions with the API server's own reviews", async () => {
      const code = await probe.run(['--context', restrictedContext()!, '--kubeconfig', kubeconfigPath(), 'enforcement'], io);
      expect(code, err.join('')).toBe(0);
      const text = out.join('');
      expect(text).toMatch(/Permissions missing: .*create namespaces/);
      expect(text).toMatch(/Nothing was created/);
    });
  });
});
