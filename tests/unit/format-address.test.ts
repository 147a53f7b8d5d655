import { describe, expect, it } from 'vitest';
import { formatAddress } from '../../agent/machines/facts';

const v6 = (hex: string) => hex.match(/../g)!.map((h) => parseInt(h, 16));

describe('formatAddress (machined GetMachineAddresses bytes)', () => {
  it('formats IPv4', () => expect(formatAddress(2, [192, 168, 42, 2])).toBe('192.168.42.2'));
  it('compresses the longest zero run of IPv6 (RFC 5952)', () => {
    expect(formatAddress(10, v6('fc420000000000000000000000000002'))).toBe('fc42::2');
    expect(formatAddress(10, v6('fe80000000000000442744fffebb455c'))).toBe('fe80::4427:44ff:febb:455c');
    expect(formatAddress(10, v6('00000000000000000000000000000001'))).toBe('::1');
    expect(formatAddress(10, v6('20010db8000000010000000000000001'))).toBe('2001:db8:0:1::1');
    expect(formatAddress(10, v6('20010db8000100020003000400050006'))).toBe('2001:db8:1:2:3:4:5:6');
  });
});
