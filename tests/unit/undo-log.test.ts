// The on-disk record of applied network changes: what Undo reads after the app restarted.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UndoLog, type UndoRecord } from '../../agent/files/undo-log';
import { RootedTree } from '../../agent/files/rooted-tree';

let root: string;
const DIR = '/var/lib/nspawn-desktop/network-undo';
const dir = () => join(root, DIR);
const newLog = () => new UndoLog(() => RootedTree.open(root, 'on the host'), DIR);
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'nsd-undo-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const token = (i: number) => i.toString(16).padStart(16, '0');
const record = (i: number, name = 'db', at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()): UndoRecord => ({
  token: token(i), seq: i, name, at,
  files: [{ side: 'host', rel: '/etc/systemd/network/10-ve-db.network', before: `# version ${i}\n[Match]\nName=ve-db\n`, afterTag: `tag${i}` }],
});

describe('undo log', () => {
  it('gives back a saved change exactly, in a file only root can read', () => {
    newLog().save(record(1));
    expect(newLog().load(token(1))).toEqual(record(1));
    expect(statSync(join(dir(), `${token(1)}.json`)).mode & 0o777).toBe(0o600);
  });

  it('finds the newest change of each machine by sequence number, not by clock', () => {
    const j = newLog();
    j.save(record(1, 'db', '2030-01-01T00:00:00.000Z'));
    j.save(record(3, 'web'));
    // The clock was set back before this change: it is still the newest.
    j.save(record(2, 'db', '2001-01-01T00:00:00.000Z'));
    expect(j.latest('db')?.token).toBe(token(2));
    expect(j.latest('web')?.token).toBe(token(3));
    expect(j.latest('build')).toBeUndefined();
    expect(j.nextSeq()).toBe(4);
    j.remove(token(2));
    expect(j.latest('db')?.token).toBe(token(1));
  });

  it('keeps the newest 20 changes', () => {
    const j = newLog();
    for (let i = 1; i <= 25; i++) j.save(record(i));
    expect(readdirSync(dir()).filter((n) => n.endsWith('.json'))).toHaveLength(20);
    expect(j.load(token(5))).toBeUndefined();
    expect(j.load(token(6))).toBeDefined();
  });

  it('skips records that are not valid, and never trusts a path a record names', () => {
    const j = newLog();
    j.save(record(1));
    const bad = (i: number, r: unknown) => writeFileSync(join(dir(), `${token(i)}.json`), JSON.stringify(r));
    writeFileSync(join(dir(), `${token(9)}.json`), '{"token": "000000000000000');
    bad(8, { ...record(8), files: 'none' });
    for (const [i, rel] of [[10, '/etc/systemd/network/../../shadow'], [11, '/etc/shadow'], [12, 'etc/systemd/network/x.network'], [13, '/etc/systemd/network/.x.network']] as const) {
      bad(i, { ...record(i), files: [{ ...record(i).files[0], rel }] });
    }
    bad(14, { ...record(14), name: '../../db' });
    bad(15, { ...record(15), token: token(1) }); // claims another record's token
    bad(16, { ...record(16), files: [{ ...record(16).files[0], before: 'x'.repeat(1024 * 1024 + 1) }] });
    for (let i = 8; i <= 16; i++) expect(j.load(token(i)), `record ${i}`).toBeUndefined();
    expect(j.latest('db')?.token).toBe(token(1));
    expect(j.load('../../../etc/passwd')).toBeUndefined();
    expect(() => j.save({ ...record(20), files: [{ ...record(20).files[0], rel: '/etc/passwd' }] })).toThrow();
  });

  it('reads no record that is a FIFO, a symlink out of the folder, or a huge file', () => {
    const j = newLog();
    j.save(record(1));
    writeFileSync(join(root, 'secret.json'), JSON.stringify(record(2)));
    symlinkSync('/../../../secret.json', join(dir(), `${token(2)}.json`));
    mkdirSync(join(dir(), `${token(3)}.json`));
    writeFileSync(join(dir(), `${token(4)}.json`), Buffer.alloc(2 * 1024 * 1024, 0x20));
    // The symlink is chased inside the tree's root: /secret.json there is the record's own copy.
    expect(j.load(token(2))?.token).toBe(token(2));
    expect(j.load(token(3))).toBeUndefined();
    expect(j.load(token(4))).toBeUndefined();
    expect(j.latest('db')?.token).toBe(token(2));
  });

  it('refuses to save over an existing record (tokens are never reused)', () => {
    const j = newLog();
    j.save(record(1));
    expect(() => j.save({ ...record(1), name: 'web' })).toThrow();
    expect(j.load(token(1))?.name).toBe('db');
  });
});
