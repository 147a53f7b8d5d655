// The Settings form over a hand-written .nspawn: read, changed in one place, written back with
// only that line changed; secrets never in what the form or a preview gets.
import { describe, expect, it } from 'vitest';
import { hasSecrets, readForm, redact, writeForm } from '../../agent/settings/form-file';
import { SettingsForm } from '../../shared/settings';

const HAND = `# my web container
[Exec]
Boot=yes
Environment=TZ=UTC
SetCredential=db-password:hunter2
Unknown=keep me

[Files]
Bind=/srv/a
Bind=/srv/b:/b:norbind
; a comment between
Bind=+/rel:/rel
BindReadOnly=/etc/ssl:/etc/ssl

[Network]
Port=8080
VirtualEthernet=yes
`;

const write = async (text: string, form: SettingsForm) => writeForm(text, form);

describe('the Settings form over a .nspawn', () => {
  it('reads what it can show, keeps what it cannot, and never the secret', () => {
    const r = readForm(HAND);
    expect(r.form.binds).toEqual([
      { source: '/srv/a', target: '/srv/a', readOnly: false, options: [] },
      { source: '/srv/b', target: '/b', readOnly: false, options: ['norbind'] },
      { source: '/etc/ssl', target: '/etc/ssl', readOnly: true, options: [] },
    ]);
    expect(r.kept.Bind).toEqual(['+/rel:/rel']);
    expect(r.form.ports).toEqual([{ protocol: 'tcp', host: 8080, container: 8080 }]);
    // Credential keys (read by newer nspawns) are kept as written, never shown.
    expect(r.form.credentials).toEqual([]);
    expect(r.kept.SetCredential).toBeUndefined();
    expect(JSON.stringify(r.form)).not.toContain('hunter2');
    expect(r.fixed).toEqual([{ key: 'Boot', value: 'yes' }]);
  });

  it('an unchanged form writes the same bytes', async () => {
    expect(await write(HAND, readForm(HAND).form)).toBe(HAND);
  });

  it('one changed bind touches one line', async () => {
    const form = readForm(HAND).form;
    form.binds[1] = { ...form.binds[1], target: '/bee' };
    const out = await write(HAND, form);
    const a = HAND.split('\n');
    const b = out.split('\n');
    expect(b.length).toBe(a.length);
    expect(a.filter((l, i) => l !== b[i])).toEqual(['Bind=/srv/b:/b:norbind']);
    expect(b.filter((l, i) => l !== a[i])).toEqual(['Bind=/srv/b:/bee:norbind']);
  });

  it('a new port is added after the others; a preview shows a hand-written secret redacted', async () => {
    const form = readForm(HAND).form;
    form.ports.push({ protocol: 'udp', host: 5353, container: 53 });
    const out = await write(HAND, form);
    expect(out).toContain('Port=8080\nPort=udp:5353:53\n');
    expect(out).toContain('SetCredential=db-password:hunter2');
    expect(hasSecrets(out)).toBe(true);
    expect(redact(out)).not.toContain('hunter2');
    expect(redact(out)).toContain('SetCredential=db-password:(secret)');
  });
});

describe('the NixOS snippet of a settings form', () => {
  it('names binds, ports, environment and credential files, never a value', async () => {
    const { settingsNixSnippet } = await import('../../shared/settings');
    const form = readForm(HAND).form;
    form.credentials = [{ name: 'db-password', kind: 'set', keep: false, value: 'hunter3' }];
    const nix = settingsNixSnippet('web', form);
    expect(nix).toContain('systemd.nspawn."web".filesConfig.Bind = [ "/srv/a:/srv/a" "/srv/b:/b:norbind" ];');
    expect(nix).toContain('systemd.nspawn."web".networkConfig.Port = [ "tcp:8080:8080" ];');
    expect(nix).toContain('systemd.nspawn."web".execConfig.Environment = [ "TZ=UTC" ];');
    expect(nix).toContain('serviceConfig.LoadCredential = [ "db-password:/etc/credstore/web/db-password" ];');
    expect(nix).not.toContain('hunter3');
  });
});
