// Fuzz of the unit-file parser: 100,000 inputs, from unit-file-shaped documents to arbitrary
// Unicode and raw bytes. Parsing never throws, the round trip is byte for byte, and reading or
// editing any document never throws and yields a document that parses again the same way.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getValues, parseUnit, serializeUnit, setValues } from '../../shared/unitfile';

const RUNS = 100_000;

const piece = fc.constantFrom('[Network]', '[Match]', '[Address]', '[', ']', '=', ' = ', '\\', '\\\n', '#', ';', '\n', '\r\n', '\r',
  '\t', ' ', 'Address', 'Address=', 'Gateway=fe80::1', 'DHCP=yes', '\0', '\u00a0', '\ufeff', '\u2028', 'é', '🙂', '\ud800');
const shaped = fc.array(fc.oneof(piece, fc.string({ maxLength: 8 })), { maxLength: 40 }).map((a) => a.join(''));
const unicode = fc.string({ unit: 'binary', maxLength: 120 });
const bytes = fc.uint8Array({ maxLength: 120 }).map((b) => Array.from(b, (c) => String.fromCharCode(c)).join(''));
const input = fc.oneof({ weight: 3, arbitrary: shaped }, { weight: 1, arbitrary: unicode }, { weight: 1, arbitrary: bytes });
const values = fc.array(fc.stringMatching(/^[A-Za-z0-9.:/]{1,12}$/), { maxLength: 4 });

describe('unit file parser fuzz', () => {
  it(`never throws and round-trips ${RUNS.toLocaleString('en')} inputs`, () => {
    let n = 0;
    fc.assert(fc.property(input, values, (text, vals) => {
      n++;
      const doc = parseUnit(text);
      if (serializeUnit(doc) !== text) return false;
      getValues(doc, 'Network', 'Address');
      const edited = serializeUnit(setValues(doc, 'Network', 'Address', vals));
      // An edit's output is itself a document that round-trips and holds the values written
      // (unless the input was so broken that no [Network] section can be read back).
      if (serializeUnit(parseUnit(edited)) !== edited) return false;
      const back = getValues(parseUnit(edited), 'Network', 'Address');
      return back.length === 0 || vals.every((v) => back.includes(v));
    }), { numRuns: RUNS });
    expect(n).toBe(RUNS);
  }, 120_000);
});
