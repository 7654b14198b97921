import { describe, expect, it } from 'vitest';
import { tlsHint } from './hubble-client.js';

describe('tlsHint', () => {
  it('explains certificate problems and leaves transient network errors alone (they are retried)', () => {
    expect(tlsHint('SSL alert number 116 (tlsv13 alert certificate required)')).toMatch(/requires a client certificate \(mTLS\)/);
    expect(tlsHint("Hostname/IP does not match certificate's altnames: Host: x")).toMatch(/does not carry the expected name/);
    expect(tlsHint('self-signed certificate in certificate chain')).toMatch(/not signed by the CA given/);
    expect(tlsHint('unable to verify the first certificate')).toMatch(/not signed by the CA given/);
    expect(tlsHint('ssl3_get_record:wrong version number')).toMatch(/handshake failed.*whether Relay serves TLS/);
    expect(tlsHint('807CE9F3BD7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n')).toBe(
      'TLS handshake failed (wrong version number); check whether Relay serves TLS and the TLS settings',
    );
    expect(tlsHint('Client network socket disconnected before secure TLS connection was established')).toBeUndefined();
    expect(tlsHint('connect ECONNREFUSED 127.0.0.1:4245')).toBeUndefined();
  });
});
