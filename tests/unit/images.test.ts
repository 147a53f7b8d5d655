// What people type for images (sizes, names, URLs, paths) and how a failed transfer is explained.
import { describe, expect, it } from 'vitest';
import { formatBytes, ImageOpRequest, parseSize, sizeText } from '../../shared/images';
import { logLinesOf, reasonIn } from '../../agent/images/transfers';

describe('parseSize', () => {
  it.each([
    ['4096', 4096], ['512M', 512 * 2 ** 20], ['10G', 10 * 2 ** 30], ['1.5T', 1.5 * 2 ** 40], ['2 GiB', 2 * 2 ** 30], ['3gb', 3 * 2 ** 30],
  ])('%s', (text, bytes) => expect(parseSize(text)).toBe(bytes));
  it.each([
    ['-1', 'a size such as 512M, 10G or 1.5T'], ['lots', 'a size such as 512M, 10G or 1.5T'], ['0', 'more than 0'],
    ['10E', 'at most 4 PiB'], ['10 EB', 'at most 4 PiB'], ['', 'a size such as 512M, 10G or 1.5T'],
  ])('refuses %s', (text, error) => expect(parseSize(text)).toEqual({ error }));
  it('formats for people, unknown as unknown', () => {
    expect(formatBytes(undefined)).toBe('unknown');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1.5 GiB');
    expect(formatBytes(20 * 2 ** 30)).toBe('20 GiB');
  });
});

describe('image requests', () => {
  const ok = (r: unknown) => ImageOpRequest.safeParse(r).success;
  it('names follow systemd: no _ or .., no option', () => {
    expect(ok({ kind: 'image.clone', name: 'db', newName: 'db-2', readOnly: true })).toBe(true);
    for (const bad of ['db_2', '../x', '-rf', '', 'a'.repeat(65), 'a b']) expect(ok({ kind: 'image.clone', name: 'db', newName: bad, readOnly: false })).toBe(false);
  });
  it('a removal needs the name typed again', () => {
    const r = ImageOpRequest.safeParse({ kind: 'image.remove', name: 'db', confirm: 'DB' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ['confirm'], message: 'type the image name to confirm' });
  });
  it('pulls are http(s) only; imports are absolute paths without ..', () => {
    const pull = (url: string) => ok({ kind: 'image.pull', url, name: 'x', format: 'tar', verify: 'no', force: false });
    expect(pull('https://example.org/x.tar.xz')).toBe(true);
    for (const u of ['file:///etc/shadow', 'ftp://x/y', '/srv/x.tar', '-o x']) expect(pull(u)).toBe(false);
    const imp = (path: string) => ok({ kind: 'image.import', path, name: 'x', format: 'tar', readOnly: false, force: false });
    expect(imp('/srv/x.tar')).toBe(true);
    for (const p of ['x.tar', '/srv/../etc/shadow', '--help', '/srv/a\nb']) expect(imp(p)).toBe(false);
  });
});

describe('reasonIn', () => {
  it('the first telling line, not the optional settings file or the exit', () => {
    expect(reasonIn([
      "Pulling 'http://127.0.0.1:8089/corrupt.tar', saving as 'broken'.",
      'HTTP request to http://127.0.0.1:8089/corrupt.nspawn failed with code 404.',
      'Settings file could not be retrieved, proceeding without.',
      'tar: This does not look like a tar archive', 'tar: Skipping to next header', 'Acquired 64.0K.',
      'tar: Exiting with failure status due to previous errors', 'tar failed with exit status 2.', 'Exiting.',
    ])).toBe('tar: This does not look like a tar archive');
    expect(reasonIn(['Pulling x', 'SHA256 checksum of http://x/y.tar does not match.', 'Exiting.'])).toBe('SHA256 checksum of http://x/y.tar does not match.');
    expect(reasonIn([])).toBeUndefined();
  });
});

describe('sizeText', () => {
  it('writes a size the way parseSize reads it back', () => {
    for (const n of [512, 64 * 2 ** 20, 1.5 * 2 ** 30, 20 * 2 ** 30]) expect(parseSize(sizeText(n))).toBe(n);
    expect(sizeText(64 * 2 ** 20)).toBe('64M');
    expect(sizeText(undefined)).toBe('');
  });
});

describe('importd log messages', () => {
  it('splits a message holding two lines, one behind a syslog priority prefix, into its lines', () => {
    expect(logLinesOf('This does not look like a tar archive<30>Download of http://127.0.0.1:8089/corrupt.tar complete.'))
      .toEqual(['This does not look like a tar archive', 'Download of http://127.0.0.1:8089/corrupt.tar complete.']);
    expect(logLinesOf('<27>tar: This does not look like a tar archive\n')).toEqual(['tar: This does not look like a tar archive']);
    expect(logLinesOf('  \n')).toEqual([]);
  });
});
