// The on-disk record of applied network changes: what Undo reads after the app restarted.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UndoJournal, type UndoRecord } from '../../electron/backend/network/journal';

let dir: string;
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'nsd-journal-')), 'network-undo');
});
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

const token = (i: number) => i.toString(16).padStart(16, '0');
const record = (i: number, name = 'db'): UndoRecord => ({
  token: token(i), name, at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  files: [{ side: 'host', rel: '/etc/systemd/network/10-ve-db.network', before: `# version ${i}\n[Match]\nName=ve-db\n`, afterTag: `tag${i}` }],
});

describe('undo journal', () => {
  it('gives back a saved change exactly, in a file only root can read', () => {
    const j = new UndoJournal(dir);
    j.save(record(1));
    expect(new UndoJournal(dir).load(token(1))).toEqual(record(1));
    expect(statSync(join(dir, `${token(1)}.json`)).mode & 0o777).toBe(0o600);
  });

  it('finds the newest change of each machine', () => {
    const j = new UndoJournal(dir);
    j.save(record(1));
    j.save(record(3, 'web'));
    j.save(record(2));
    expect(j.latest('db')?.token).toBe(token(2));
    expect(j.latest('web')?.token).toBe(token(3));
    expect(j.latest('build')).toBeUndefined();
    j.remove(token(2));
    expect(j.latest('db')?.token).toBe(token(1));
  });

  it('keeps the newest 20 changes', () => {
    const j = new UndoJournal(dir);
    for (let i = 1; i <= 25; i++) j.save(record(i));
    expect(readdirSync(dir).filter((n) => n.endsWith('.json'))).toHaveLength(20);
    expect(j.load(token(5))).toBeUndefined();
    expect(j.load(token(6))).toBeDefined();
  });

  it('skips files that are not a valid record and never reads outside its folder', () => {
    const j = new UndoJournal(dir);
    j.save(record(1));
    writeFileSync(join(dir, `${token(9)}.json`), '{"token": "000000000000000');
    writeFileSync(join(dir, `${token(8)}.json`), JSON.stringify({ ...record(8), files: 'none' }));
    expect(j.latest('db')?.token).toBe(token(1));
    expect(j.load(token(9))).toBeUndefined();
    expect(j.load('../../../etc/passwd')).toBeUndefined();
  });

  it('refuses to save over an existing record (tokens are never reused)', () => {
    const j = new UndoJournal(dir);
    j.save(record(1));
    expect(() => j.save({ ...record(1), name: 'web' })).toThrow();
    expect(j.load(token(1))?.name).toBe('db');
  });
});
