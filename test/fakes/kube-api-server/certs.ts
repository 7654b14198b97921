/** A throwaway CA and a server certificate for 127.0.0.1/localhost, made with the openssl CLI. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCerts {
  dir: string;
  caFile: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

const openssl = (args: string[], cwd: string): void => {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
};

/** Generates a CA and a leaf certificate signed by it (EC P-256, 1 day). */
export function makeCerts(): TestCerts {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netcity-kube-api-'));
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '1', '-subj', '/CN=netcity-test-ca', '-out', 'ca.crt'], dir);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server.key'], dir);
  openssl(['req', '-new', '-key', 'server.key', '-subj', '/CN=kube-apiserver', '-out', 'server.csr'], dir);
  writeFileSync(
    path.join(dir, 'ext.cnf'),
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n',
  );
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-sha256', '-extfile', 'ext.cnf', '-out', 'server.crt'], dir);
  const read = (f: string): string => readFileSync(path.join(dir, f), 'utf8');
  return { dir, caFile: path.join(dir, 'ca.crt'), caPem: read('ca.crt'), certPem: read('server.crt'), keyPem: read('server.key') };
}

/** Another CA that did not sign the server certificate (for TLS error tests). */
export function makeUnrelatedCa(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'netcity-other-ca-'));
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '1', '-subj', '/CN=unrelated-ca', '-out', 'ca.crt'], dir);
  return readFileSync(path.join(dir, 'ca.crt'), 'utf8');
}
