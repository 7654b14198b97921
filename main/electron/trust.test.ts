import { describe, expect, it } from 'vitest';
import { appFileFor, isAppNavigation, isExternalHttps, isTrustedSender } from './trust.js';

describe('Electron trust checks', () => {
  it('accepts IPC only from the app top frame', () => {
    expect(isTrustedSender({ url: 'app://netcity/index.html' }, true)).toBe(true);
    expect(isTrustedSender({ url: 'app://netcity/index.html' }, false)).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/' }, true)).toBe(false);
    expect(isTrustedSender({ url: 'app://netcity.evil/' }, true)).toBe(false);
    expect(isTrustedSender({ url: 'file:///etc/passwd' }, true)).toBe(false);
    expect(isTrustedSender(null, true)).toBe(false);
  });

  it('serves only files inside the renderer folder', () => {
    expect(appFileFor('/app/out/renderer', 'app://netcity/index.html')).toBe('/app/out/renderer/index.html');
    expect(appFileFor('/app/out/renderer', 'app://netcity/')).toBe('/app/out/renderer/index.html');
    expect(appFileFor('/app/out/renderer', 'app://netcity/assets/a.js')).toBe('/app/out/renderer/assets/a.js');
    // Encoded dot-dot segments are resolved against the root: they never climb out of the folder.
    for (const attempt of ['app://netcity/..%2f..%2fpackage.json', 'app://netcity/%2e%2e/%2e%2e/etc/passwd', 'app://netcity/assets/../../../x']) {
      const file = appFileFor('/app/out/renderer', attempt);
      expect(file === undefined || file.startsWith('/app/out/renderer/'), `${attempt} -> ${file}`).toBe(true);
    }
    expect(appFileFor('/app/out/renderer', 'app://netcity/%E0%A4%A')).toBeUndefined();
    expect(appFileFor('/app/out/renderer', 'app://other/index.html')).toBeUndefined();
  });

  it('keeps navigation in the app and opens only https outside', () => {
    expect(isAppNavigation('app://netcity/index.html#x')).toBe(true);
    expect(isAppNavigation('https://example.com')).toBe(false);
    expect(isExternalHttps('https://kubernetes.io/docs')).toBe(true);
    expect(isExternalHttps('http://example.com')).toBe(false);
    expect(isExternalHttps('file:///etc/passwd')).toBe(false);
    expect(isExternalHttps('javascript:alert(1)')).toBe(false);
  });
});
