// [Match] globs as systemd reads them (no regex built from a container's text), and a preview
// diff that stays fast on the largest file the backend reads.
import { describe, expect, it } from 'vitest';
import { globMatch } from '../../shared/glob';
import { parseUnit, serializeUnit, setValues, unifiedDiff } from '../../shared/unitfile';

describe('globMatch', () => {
  it.each([
    ['ve-*', 've-db', true], ['ve-*', 'vz-db', false], ['host?', 'host0', true], ['host?', 'host', false],
    ['host[0-9]', 'host0', true], ['host[!0-9]', 'host0', false], ['host[^a]', 'hostb', true],
    ['host[', 'host[', true], ['host[', 'host0', false], ['host[0', 'host[0', true], ['a\\*', 'a*', true], ['a\\*', 'ab', false],
    ['*', '', true], ['[]]', ']', true], ['*.*', 'a.b', true], ['(.+)+$', '(.+)+$', true], ['ve-db', 've-db', true],
  ])('%s ~ %s → %s', (p, n, want) => {
    expect(globMatch(p, n)).toBe(want);
  });

  it('answers a pathological pattern at once', () => {
    const t0 = performance.now();
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(2000))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('unifiedDiff on large files', () => {
  it('shows one changed line of a 24,000-line file as one small hunk', () => {
    const lines = Array.from({ length: 24_000 }, (_, i) => `# comment ${i}`);
    const before = `[Match]\nName=ve-db\n[Network]\nAddress=10.0.0.1/24\n${lines.join('\n')}\n`;
    const after = serializeUnit(setValues(parseUnit(before), 'Network', 'Address', ['10.0.0.2/24']));
    const diff = unifiedDiff(before, after, '/etc/systemd/network/10-ve-db.network');
    expect(diff.split('\n').filter((l) => l.startsWith('-') || l.startsWith('+'))).toEqual([
      '--- a/etc/systemd/network/10-ve-db.network', '+++ b/etc/systemd/network/10-ve-db.network', '-Address=10.0.0.1/24', '+Address=10.0.0.2/24',
    ]);
  });

  it('shows two unrelated 1 MiB files as the whole file replaced', () => {
    const a = Array.from({ length: 40_000 }, (_, i) => `A=${i}`).join('\n');
    const b = Array.from({ length: 40_000 }, (_, i) => `B=${i}`).join('\n');
    const diff = unifiedDiff(a, b, '/x');
    expect(diff.split('\n').filter((l) => l.startsWith('-A=')).length).toBe(40_000);
    expect(diff.split('\n').filter((l) => l.startsWith('+B=')).length).toBe(40_000);
  });
});
