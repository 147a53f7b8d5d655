import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getValues, parseUnit, serializeUnit, setValues, unifiedDiff } from '../../shared/unitfile';

const SAMPLE = `# Host side of the veth (generated)
[Match]
Kind=veth
Name=ve-db

[Network]
# static addressing
Address=fc42::1/64
Address = 192.168.42.1/24
DHCPServer=false
Unknown-Key=kept as is
LongValue=one \\
  two
[Address]
Address=10.0.0.1/24

[Address]
Address=10.0.1.1/24
`;

// Lines that look like unit files: sections, entries, comments, continuations, odd spacing, CRLF.
const lineArb = fc.oneof(
  fc.constantFrom('[Network]', '[Match]', '[Address]', '[Route]', '', '  ', '# c', '; c', 'Address=', 'Address=10.0.0.1/24',
    'Gateway = fe80::1', 'Name=ve-*', 'X=a \\', 'DNS=1.1.1.1', '=', 'junk line', '[broken', '\t[Network]  '),
  fc.string({ maxLength: 20 }),
);
const docArb = fc.tuple(fc.array(fc.tuple(lineArb, fc.constantFrom('\n', '\r\n')), { maxLength: 30 }), fc.boolean())
  .map(([ls, finalNl]) => {
    const s = ls.map(([l, e]) => l + e).join('');
    return finalNl ? s : s.replace(/\r?\n$/, '');
  });

describe('unit file round trip', () => {
  it('keeps the sample byte for byte', () => {
    expect(serializeUnit(parseUnit(SAMPLE))).toBe(SAMPLE);
  });

  it('reads values as systemd does: repeats, resets, continuations, first-section edits', () => {
    const d = parseUnit(SAMPLE);
    expect(getValues(d, 'Network', 'Address')).toEqual(['fc42::1/64', '192.168.42.1/24']);
    expect(getValues(d, 'Network', 'LongValue')).toEqual(['one two']);
    expect(getValues(parseUnit('[N]\nA=1\nA=\nA=2\n'), 'N', 'A')).toEqual(['2']);
  });

  it('round-trips any text byte for byte (property)', () => {
    fc.assert(fc.property(docArb, (s) => serializeUnit(parseUnit(s)) === s), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => serializeUnit(parseUnit(s)) === s), { numRuns: 2000 });
  });
});

describe('unit file edits', () => {
  it('changes only the line it must', () => {
    const d = setValues(parseUnit(SAMPLE), 'Network', 'Address', ['fc42::1/64', '192.168.43.1/24']);
    const out = serializeUnit(d);
    expect(out).toBe(SAMPLE.replace('Address = 192.168.42.1/24', 'Address = 192.168.43.1/24'));
    expect(unifiedDiff(SAMPLE, out, '/x.network')).toContain('-Address = 192.168.42.1/24\n+Address = 192.168.43.1/24');
  });

  it('adds after the last entry of the key, removes surplus, creates missing sections', () => {
    const more = serializeUnit(setValues(parseUnit(SAMPLE), 'Network', 'Address', ['fc42::1/64', '192.168.42.1/24', '10.9.9.9/8']));
    expect(more).toContain('Address = 192.168.42.1/24\nAddress=10.9.9.9/8\nDHCPServer=false');
    const fewer = serializeUnit(setValues(parseUnit(SAMPLE), 'Network', 'Address', ['fc42::1/64']));
    expect(fewer).not.toContain('192.168.42.1');
    expect(fewer).toContain('# static addressing\nAddress=fc42::1/64\nDHCPServer=false');
    const created = serializeUnit(setValues(parseUnit('[Match]\nName=x'), 'Network', 'DNS', ['9.9.9.9']));
    expect(created).toBe('[Match]\nName=x\n\n[Network]\nDNS=9.9.9.9\n');
    const keepsCrlf = serializeUnit(setValues(parseUnit('[Network]\r\nDHCP=yes\r\n'), 'Network', 'DNS', ['1.1.1.1']));
    expect(keepsCrlf).toBe('[Network]\r\nDHCP=yes\r\nDNS=1.1.1.1\r\n');
  });

  it('leaves every other line alone and reads back what it wrote (property)', () => {
    const valueArb = fc.array(fc.stringMatching(/^[A-Za-z0-9.:/]{1,12}$/), { maxLength: 5 });
    fc.assert(fc.property(docArb, valueArb, (s, values) => {
      const before = parseUnit(s);
      const after = setValues(before, 'Network', 'Address', values);
      const reparsed = parseUnit(serializeUnit(after));
      const firstNetwork = reparsed.lines.findIndex((l) => l.kind === 'section' && l.section === 'Network');
      if (firstNetwork >= 0) {
        let end = firstNetwork + 1;
        while (end < reparsed.lines.length && reparsed.lines[end].kind !== 'section') end++;
        const got = reparsed.lines.slice(firstNetwork, end).filter((l) => l.kind === 'entry' && l.key === 'Address').map((l) => l.value);
        if (JSON.stringify(got) !== JSON.stringify(values)) return false;
      } else if (values.length) return false;
      // Everything else reads the same (kind, key, value, text); blank lines may be added around a new section.
      const others = (d: typeof before) => d.lines.filter((l) => !(l.kind === 'entry' && l.key === 'Address'))
        .map((l) => (l.kind === 'entry' ? `${l.section}|${l.key}=${l.value}` : l.raw.trim()));
      const o1 = others(before).filter((x) => x !== '');
      const o2 = others(reparsed).filter((x) => x !== '');
      // Only a created [Network] header may be new.
      return JSON.stringify(o2.filter((x) => x !== '[Network]')) === JSON.stringify(o1.filter((x) => x !== '[Network]'));
    }), { numRuns: 1000 });
  });
});
