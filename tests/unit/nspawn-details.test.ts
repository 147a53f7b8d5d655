// What the details view shows of a hand-edited .nspawn: garbage lines named, long values cut.
import { describe, expect, it } from 'vitest';
import { nspawnSettings } from '../../agent/machines/details';
import { NSPAWN_VALUE_SHOWN } from '../../shared/contract';

describe('details of a .nspawn file', () => {
  it('names lines systemd-nspawn would ignore instead of showing them as settings', () => {
    const r = nspawnSettings('Boot=yes\n[Exec]\n=value\nnonsense here\nBind=/a:/b \\\n  /c\n[Network]\nbad key=1\nZone=z\n');
    expect(r.settings.map((s) => `${s.section}.${s.key}=${s.value}`)).toEqual(['.Boot=yes', 'Exec.Bind=/a:/b /c', 'Network.Zone=z']);
    expect(r.problems).toEqual([
      'line 1: Boot= is outside any [section]; systemd-nspawn ignores it',
      'line 3: "=value" has no valid setting name; systemd-nspawn ignores it',
      'line 4: not a setting or a [section]: "nonsense here"',
      'line 8: "bad key=1" has no valid setting name; systemd-nspawn ignores it',
    ]);
  });

  it('cuts a 1 MB value to what the view shows and says how much is left out', () => {
    const r = nspawnSettings(`[Exec]\nEnvironment=X=${'a'.repeat(1_000_000)}\n`);
    expect(r.settings[0].value).toHaveLength(NSPAWN_VALUE_SHOWN);
    expect(r.settings[0].omitted).toBe(1_000_002 - NSPAWN_VALUE_SHOWN);
    expect(r.problems).toBeUndefined();
  });

  it('never shows a credential value', () => {
    const r = nspawnSettings('[Exec]\nSetCredential=token:s3cret\n');
    expect(r.settings[0].value).toBe('token:(secret)');
  });
});
