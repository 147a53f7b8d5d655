// What electronegativity cannot prove about the Electron shell: who gets a backend port, the CSP
// in both places it is set, which navigations are refused, and the fuses of the packaged app.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAppUrl, isPopoutUrl, portRequestAllowed } from '../../electron/security';
import { CSP } from '../../hub/csp';

const INDEX = 'file:///opt/nspawn-desktop/resources/app.asar/dist/renderer/index.html';

/** "a 'b' 'c'; d 'e'" → { a: ["'b'", "'c'"], d: ["'e'"] } */
function directives(csp: string): Record<string, string[]> {
  return Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([k, ...v]) => [k, v]));
}

function checkStrict(csp: string): void {
  const d = directives(csp);
  expect(d['default-src']).toEqual(["'self'"]);
  expect(d['script-src']).toEqual(["'self'"]);
  expect(d['object-src']).toEqual(["'none'"]);
  expect(d['base-uri']).toEqual(["'none'"]);
  expect(d['form-action']).toEqual(["'none'"]);
  // No source may be a bare wildcard, a whole scheme of the web, or eval.
  for (const [k, srcs] of Object.entries(d)) for (const src of srcs) expect(src, k).not.toMatch(/^(\*|https?:|wss?:|'unsafe-eval')$/);
  // Sources the page may connect to: itself and the loopback WebSocket only.
  for (const src of d['connect-src']) expect(src).toMatch(/^('self'|ws:\/\/(127\.0\.0\.1|localhost):\*)$/);
}

describe('Electron shell policy', () => {
  it('hands a backend port only to our own page in the top-level frame', () => {
    expect(portRequestAllowed({ url: INDEX, parent: null }, INDEX)).toBe(true);
    expect(portRequestAllowed({ url: `${INDEX}#machines`, parent: null }, INDEX)).toBe(true);
    expect(portRequestAllowed({ url: INDEX, parent: {} }, INDEX)).toBe(false); // a subframe
    expect(portRequestAllowed({ url: 'file:///tmp/evil/index.html', parent: null }, INDEX)).toBe(false);
    expect(portRequestAllowed({ url: 'https://example.com/', parent: null }, INDEX)).toBe(false);
    expect(portRequestAllowed({ url: 'about:blank', parent: null }, INDEX)).toBe(false);
    expect(portRequestAllowed(null, INDEX)).toBe(false);
    expect(portRequestAllowed(undefined, INDEX)).toBe(false);
  });

  it('lets the window navigate only within our own index.html', () => {
    expect(isAppUrl(INDEX, INDEX)).toBe(true);
    for (const url of ['https://example.com/', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'javascript:alert(1)',
      'data:text/html,<script>1</script>', 'file:///opt/nspawn-desktop/resources/app.asar/dist/renderer/other.html', 'not a url']) {
      expect(isAppUrl(url, INDEX), url).toBe(false);
    }
  });

  it('opens a new window only for a terminal pop-out of our own page', () => {
    const token = '0123456789abcdef0123456789abcdef';
    expect(isPopoutUrl(`${INDEX}#popout=${token}`, INDEX)).toBe(true);
    for (const url of [`${INDEX}#popout=${token}x`, `${INDEX}#popout=${token.toUpperCase()}`, `${INDEX}#popout=`, INDEX,
      `${INDEX}#popout=${token}&x=1`, `file:///tmp/index.html#popout=${token}`, `https://example.com/#popout=${token}`]) {
      expect(isPopoutUrl(url, INDEX), url).toBe(false);
    }
  });

  it('sets a strict CSP on every response and as a meta tag in the page', () => {
    checkStrict(CSP);
    expect(directives(CSP)['frame-ancestors']).toEqual(["'none'"]);
    const html = readFileSync('renderer/index.html', 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
    expect(meta, 'CSP meta tag in renderer/index.html').not.toBeNull();
    checkStrict(meta![1]);
    // The meta tag must come before anything that loads.
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<script'));
  });

  it('denies new windows, navigation, webviews and permission prompts in main.ts', () => {
    const main = readFileSync('electron/main.ts', 'utf8');
    expect(main).toMatch(/setWindowOpenHandler\([\s\S]*?return \{ action: 'deny' \}/);
    expect(main).toMatch(/'will-navigate', \(e, url\) => \{\s*if \(!isAppUrl\(url, indexUrl\)\) e\.preventDefault\(\);/);
    expect(main).toMatch(/'will-attach-webview', \(e\) => e\.preventDefault\(\)/);
    // A pop-out window is as locked down as the main one.
    const popout = /if \(isPopoutUrl\(url, indexUrl\)\) \{\s*const webPreferences = \{([^}]+)\}/.exec(main);
    expect(popout, 'pop-out webPreferences in main.ts').not.toBeNull();
    for (const flag of ['contextIsolation: true', 'sandbox: true', 'nodeIntegration: false', 'webviewTag: false', "disableBlinkFeatures: 'Auxclick'"]) {
      expect(popout![1]).toContain(flag);
    }
    // Those guards apply to every page, pop-outs included.
    expect(main).toMatch(/app\.on\('web-contents-created', \(_e, wc\) => harden\(wc\)\)/);
    expect(main).toMatch(/setPermissionRequestHandler\(\(_wc, _perm, cb\) => cb\(false\)\)/);
    expect(main).toMatch(/if \(!portRequestAllowed\(event\.senderFrame, indexUrl\)\) return;/);
  });

  it('packages with fuses that close Node backdoors and check the asar', () => {
    const yml = readFileSync('electron-builder.yml', 'utf8');
    const block = /^electronFuses:\n((?:[ ]+\S.*\n?)+)/m.exec(yml);
    expect(block, 'electronFuses block in electron-builder.yml').not.toBeNull();
    const fuses = Object.fromEntries(block![1].trim().split('\n').map((l) => l.trim().split(/:\s*/)));
    expect(fuses).toMatchObject({
      runAsNode: 'false', enableNodeOptionsEnvironmentVariable: 'false', enableNodeCliInspectArguments: 'false',
      enableEmbeddedAsarIntegrityValidation: 'true', onlyLoadAppFromAsar: 'true',
    });
    expect(yml).toMatch(/^asar: true$/m);
  });
});
