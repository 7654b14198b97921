/** TLS and mTLS between the Hubble client and the fake relay, with certificates made by openssl for the test. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeRelay } from '../../fakes/hubble-relay/fake-relay.js';
import { SyntheticFlows } from '../../fakes/hubble-relay/synthetic.js';
import { HubbleClient } from '../../../main/flows/hubble-client.js';
import type { FlowRecord } from '../../../main/model/types.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Pki {
  ca: Buffer;
  otherCa: Buffer;
  serverCert: Buffer;
  serverKey: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
}

let dir: string;
let pki: Pki;
const SERVER_NAME = 'ui.hubble-relay.cilium.io';

/** A CA, a server certificate for Relay's name, a client certificate, and an unrelated CA. */
function makePki(d: string): Pki {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'pipe' });
  const ca = (name: string) => {
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`);
  };
  const leaf = (name: string, cn: string, ext: string) => {
    writeFileSync(join(d, `${name}.ext`), ext);
    run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
  };
  ca('ca');
  ca('other');
  leaf('server', SERVER_NAME, `subjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth\n`);
  leaf('client', 'netcity', 'extendedKeyUsage=clientAuth\n');
  const f = (n: string) => readFileSync(join(d, n));
  return { ca: f('ca.crt'), otherCa: f('other.crt'), serverCert: f('server.crt'), serverKey: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key') };
}

describe.skipIf(!hasOpenssl())('Hubble client over TLS', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'netcity-hubble-tls-'));
    pki = makePki(dir);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function relay(requireClientCert: boolean): Promise<FakeRelay> {
    const r = new FakeRelay({ tls: { ca: pki.ca, cert: pki.serverCert, key: pki.serverKey, requireClientCert } });
    await r.start();
    const s = new SyntheticFlows(r, 16);
    r.emit(Array.from({ length: 20 }, (_, i) => s.make(i, Date.now() - 10_000 + i).resp));
    return r;
  }

  for (const transport of ['http2', 'grpc-js'] as const) {
    it(`speaks TLS with the server name and CA given (${transport})`, async () => {
      const r = await relay(false);
      try {
        const c = new HubbleClient({ address: r.address, flowTransport: transport, tls: { ca: pki.ca, serverName: SERVER_NAME } });
        expect((await c.serverStatus()).numFlows).toBe(20);
        const got: FlowRecord[] = [];
        await c.streamFlows({ last: 20 }, { onFlow: (f) => got.push(f) });
        expect(got).toHaveLength(20);
      } finally {
        await r.stop();
      }
    });

    it(`speaks mTLS with a client certificate, and says so when it is missing or the CA is wrong (${transport})`, async () => {
      const r = await relay(true);
      try {
        const good = new HubbleClient({ address: r.address, flowTransport: transport, tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, serverName: SERVER_NAME } });
        const got: FlowRecord[] = [];
        await good.streamFlows({ last: 5 }, { onFlow: (f) => got.push(f) });
        expect(got).toHaveLength(5);

        const noCert = new HubbleClient({ address: r.address, flowTransport: transport, connectTimeoutMs: 2000, tls: { ca: pki.ca, serverName: SERVER_NAME } });
        // grpc-js hides the TLS alert behind a connect timeout; the http2 reader names it.
        await expect(noCert.streamFlows({ last: 5 }, { onFlow: () => undefined }, { reconnect: { maxAttempts: 0 } })).rejects.toThrow(
          transport === 'http2' ? /requires a client certificate \(mTLS\)/ : /is unreachable.*TLS settings/,
        );

        const wrongCa = new HubbleClient({ address: r.address, flowTransport: transport, connectTimeoutMs: 2000, tls: { ca: pki.otherCa, cert: pki.clientCert, key: pki.clientKey, serverName: SERVER_NAME } });
        await expect(wrongCa.serverStatus()).rejects.toThrow(/is unreachable.*TLS settings/);
        if (transport === 'http2') {
          await expect(wrongCa.streamFlows({ last: 5 }, { onFlow: () => undefined })).rejects.toThrow(/not signed by the CA given/);
          const wrongName = new HubbleClient({ address: r.address, connectTimeoutMs: 2000, tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, serverName: 'relay.example.org' } });
          await expect(wrongName.streamFlows({ last: 5 }, { onFlow: () => undefined })).rejects.toThrow(/does not carry the expected name/);
        }
      } finally {
        await r.stop();
      }
    });
  }

  it('says TLS is the problem when Relay speaks plain text', async () => {
    const plain = new FakeRelay();
    await plain.start();
    try {
      const c = new HubbleClient({ address: plain.address, connectTimeoutMs: 2000, tls: { ca: pki.ca, serverName: SERVER_NAME } });
      await expect(c.streamFlows({ last: 1 }, { onFlow: () => undefined })).rejects.toThrow(/TLS handshake failed .*whether Relay serves TLS/);
    } finally {
      await plain.stop();
    }
  });

  it('refuses half an mTLS configuration before connecting', async () => {
    const c = new HubbleClient({ address: '127.0.0.1:1', tls: { ca: pki.ca, cert: pki.clientCert } });
    await expect(c.serverStatus()).rejects.toThrow(/mTLS needs both a client certificate and its key/);
  });
});
