// ssh's questions (a password, a key's passphrase) reach the windows: ssh runs SSH_ASKPASS, a tiny
// program of ours that asks the hub over a 0600 unix socket, and prints the answer a person typed.
// Answers go to that one ssh process and are never stored or logged.
import { EventEmitter } from 'node:events';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { log } from '../log.js';

const ANSWER_WAIT_MS = 120_000;
let instances = 0;

// Runs under node (never a shell): NSD_ASKPASS_SOCKET and NSD_ASKPASS_HOST come from the hub.
const PROGRAM = `
const s = require('net').connect(process.env.NSD_ASKPASS_SOCKET);
let buf = '';
s.on('connect', () => s.end(JSON.stringify({ host: process.env.NSD_ASKPASS_HOST, prompt: String(process.argv[2] || '').slice(0, 1000) })));
s.on('data', (d) => { buf += d; });
s.on('close', () => {
  let r = {};
  try { r = JSON.parse(buf); } catch (e) { process.exit(1); }
  if (typeof r.answer !== 'string') process.exit(1);
  process.stdout.write(r.answer + '\\n');
});
s.on('error', () => process.exit(1));
`;

export interface Prompt { id: number; host: string; prompt: string }

/** Emits 'prompt' (Prompt) and 'done' (id). */
export class Askpass extends EventEmitter {
  private server?: Server;
  private nextId = 1;
  private readonly waiting = new Map<number, { sock: Socket; prompt: Prompt; timer: NodeJS.Timeout }>();
  private program = '';
  private socket = '';

  /** The environment an ssh run for `host` needs so its questions come here. */
  env(host: string, dir: string): Record<string, string> {
    if (!this.server) this.listen(dir);
    return { SSH_ASKPASS: this.program, SSH_ASKPASS_REQUIRE: 'force', NSD_ASKPASS_SOCKET: this.socket, NSD_ASKPASS_HOST: host };
  }

  /** The questions waiting for an answer (for a window that opens meanwhile). */
  get pending(): Prompt[] {
    return [...this.waiting.values()].map((w) => w.prompt);
  }

  answer(id: number, answer: string | undefined): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.finish(id);
    w.sock.end(JSON.stringify(answer === undefined ? {} : { answer }));
  }

  private finish(id: number): void {
    const w = this.waiting.get(id);
    if (!w) return;
    clearTimeout(w.timer);
    this.waiting.delete(id);
    this.emit('done', id);
  }

  private listen(dir: string): void {
    // The program runs under node: the one running this hub, or node on PATH under Electron.
    const node = process.versions.electron ? '/usr/bin/env node' : process.execPath;
    const name = `askpass-${process.pid}-${++instances}`;
    this.program = join(dir, `${name}.cjs`);
    writeFileSync(this.program, `#!${node}\n${PROGRAM}`, { mode: 0o700 });
    chmodSync(this.program, 0o700);
    this.socket = join(dir, `${name}.sock`);
    rmSync(this.socket, { force: true });
    // Half-open: the program ends its side after the question and waits for the answer.
    this.server = createServer({ allowHalfOpen: true }, (sock) => this.serve(sock));
    const old = process.umask(0o077);
    this.server.listen(this.socket, () => process.umask(old));
    this.server.unref();
    process.once('exit', () => {
      rmSync(this.socket, { force: true });
      rmSync(this.program, { force: true });
    });
  }

  private serve(sock: Socket): void {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.length > 4096) sock.destroy();
    });
    sock.on('error', (e) => log(`askpass: ${e.message}`));
    sock.on('end', () => {
      let q: { host?: unknown; prompt?: unknown };
      try {
        q = JSON.parse(buf) as typeof q;
      } catch {
        sock.end('{}'); // not our program: no answer
        return;
      }
      const prompt: Prompt = { id: this.nextId++, host: String(q.host ?? ''), prompt: String(q.prompt ?? '').slice(0, 1000) };
      const timer = setTimeout(() => this.answer(prompt.id, undefined), ANSWER_WAIT_MS);
      this.waiting.set(prompt.id, { sock, prompt, timer });
      sock.on('close', () => this.finish(prompt.id));
      this.emit('prompt', prompt);
    });
  }
}

/** One per hub process. */
export const askpass = new Askpass();
