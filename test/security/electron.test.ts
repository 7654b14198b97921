/** The Electron shell's pure checks (issue #21 item 10): openExternal refuses URLs carrying credentials. */
import { describe, expect, it } from 'vitest';
import { isExternalHttps } from '../../main/electron/trust.js';

describe('openExternal', () => {
  it('opens plain https links only', () => {
    expect(isExternalHttps('https://kubernetes.io/docs/')).toBe(true);
    expect(isExternalHttps('https://user:pw@example.com/')).toBe(false);
    expect(isExternalHttps('https://token@example.com/')).toBe(false);
    expect(isExternalHttps('http://example.com/')).toBe(false);
    expect(isExternalHttps('file:///etc/passwd')).toBe(false);
  });
});
