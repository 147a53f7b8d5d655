import { describe, expect, it } from 'vitest';
import { isValidMachineName, machineForUnit, unitForMachine } from '../../shared/names';

describe('machine names', () => {
  it.each(['web', 'db-1', 'a.b.c', 'X9', 'a'.repeat(64)])('accepts %s', (n) => expect(isValidMachineName(n)).toBe(true));
  it.each([
    '', '-rf', 'a_b', 'a..b', '.host', 'a.', '../etc', 'a/b', 'a b', 'a;reboot', '$(id)', 'a\0b', 'wеb' /* cyrillic е */,
    'a'.repeat(65),
  ])('refuses %j', (n) => expect(isValidMachineName(n)).toBe(false));

  it('maps units and names both ways, refusing other units', () => {
    expect(unitForMachine('web')).toBe('systemd-nspawn@web.service');
    expect(machineForUnit('systemd-nspawn@web.service')).toBe('web');
    expect(machineForUnit('systemd-nspawn@.service')).toBeUndefined();
    expect(machineForUnit('sshd.service')).toBeUndefined();
    expect(machineForUnit('systemd-nspawn@a\\x2fb.service')).toBeUndefined();
  });
});
