// ssh's SSH_ASKPASS program and the hub's end of it: the question arrives with its host, the
// answer reaches the program's stdout once, no answer makes it fail (ssh then gives up).
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Askpass, type Prompt } from '../../hub/ssh/askpass';

const dir = mkdtempSync(join(tmpdir(), 'nsd-askpass-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ask(a: Askpass, host: string, question: string): Promise<{ code: number | null; stdout: string }> {
  const env = a.env(host, dir);
  return new Promise((resolve) => {
    const p = spawn(env.SSH_ASKPASS, [question], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('Askpass', () => {
  it('passes the question with its host, and the answer back once', async () => {
    const a = new Askpass();
    const asked: Prompt[] = [];
    const done: number[] = [];
    a.on('prompt', (p: Prompt) => {
      asked.push(p);
      expect(a.pending).toEqual([p]);
      a.answer(p.id, 'correct horse');
      a.answer(p.id, 'again'); // answered already: nothing more
    });
    a.on('done', (id: number) => done.push(id));
    const r = await ask(a, 'ssh-root-db', "Enter passphrase for key '/home/me/.ssh/id_ed25519': ");
    expect(r).toEqual({ code: 0, stdout: 'correct horse\n' });
    expect(asked).toEqual([{ id: 1, host: 'ssh-root-db', prompt: "Enter passphrase for key '/home/me/.ssh/id_ed25519': " }]);
    expect(done).toEqual([1]);
    expect(a.pending).toEqual([]);
  });

  it('no answer (Cancel) makes the program fail, so ssh gives up', async () => {
    const a = new Askpass();
    a.on('prompt', (p: Prompt) => a.answer(p.id, undefined));
    expect(await ask(a, 'ssh-x', 'root@x\'s password: ')).toEqual({ code: 1, stdout: '' });
  });
});
