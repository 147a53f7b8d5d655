// Imports and pulls through systemd-importd (org.freedesktop.import1), as operations: progress from
// the transfer's Progress, its log lines as the step (and the reason when it fails), Cancel as
// CancelTransfer. Pulls call PullTar/PullRaw directly. Imports hand importd an open file, which
// this D-Bus library cannot pass (no fd passing without a native add-on), so machinectl makes
// that one call (argv, no shell) and the transfer is followed here like any other.
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeSync, constants as C, createReadStream, createWriteStream, fstatSync, lstatSync, mkdtempSync, openSync, rmSync, type ReadStream } from 'node:fs';
import type { Bus, Signal } from '../dbus/bus.js';
import { formatBytes, type ImageOpRequest } from '../../shared/images.js';
import { RpcError } from '../../shared/errors.js';
import type { OpContext, OpsService } from '../ops/service.js';
import { log } from '../proc.js';

const I1 = 'org.freedesktop.import1';
const I1_PATH = '/org/freedesktop/import1';
const I1_MANAGER = `${I1}.Manager`;
const I1_TRANSFER = `${I1}.Transfer`;
const POLL_MS = 500;
/** Log lines kept per transfer: the last ones say why it failed. */
const LOG_KEPT = 20;

type Pull = Extract<ImageOpRequest, { kind: 'image.pull' }>;
type Import = Extract<ImageOpRequest, { kind: 'image.import' }>;

interface Listed { id: number; type: string; remote: string; local: string; progress: number; path: string }

export class Transfers {
  constructor(
    private readonly bus: () => Bus,
    private readonly ops: OpsService,
    private readonly imagesChanged: () => Promise<void>,
  ) {}

  /** Transfers this agent follows already (its own, and those adopted). */
  private readonly followed = new Set<number>();

  /**
   * Transfers started elsewhere (machinectl pull-tar in a terminal, an earlier agent) become
   * operations too, so the list shows every transfer of the host with its progress and Cancel.
   * Called on every fresh bus; importd is not started for it (it is activated on demand).
   */
  async watch(bus: Bus): Promise<() => Promise<void>> {
    const off = await bus.subscribe({ sender: I1, path: I1_PATH, interface: I1_MANAGER, member: 'TransferNew' }, (s) => {
      const id = Number(s.body[0]);
      // Our own begin() learns its id a moment later.
      setTimeout(() => void this.adoptIfNew(id), 1500);
    });
    const [running] = await bus.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'NameHasOwner', 's', [I1]);
    if (running === true) for (const t of await this.list()) void this.adoptIfNew(t.id);
    return off;
  }

  private async adoptIfNew(id: number): Promise<void> {
    if (this.followed.has(id)) return;
    let t: Listed | undefined;
    try {
      t = (await this.list()).find((x) => x.id === id);
    } catch (e) {
      log(`transfer ${id}: not listed (${(e as Error).message})`);
      return;
    }
    if (!t || this.followed.has(id)) return;
    const what = t.type.startsWith('pull') ? 'Pull' : t.type.startsWith('export') ? 'Export' : 'Import';
    this.ops.run(`image.${what.toLowerCase()}`, `${what} ${t.local} (started elsewhere)`, t.local || undefined, async (ctx) => {
      try {
        await this.follow(ctx, t.local, async () => id, undefined, true);
      } finally {
        await this.imagesChanged().catch((e: Error) => log(`images could not be re-read after transfer ${id}: ${e.message}`));
      }
    });
  }

  start(r: Pull | Import) {
    const title = r.kind === 'image.pull' ? `Pull ${r.name}` : `Import ${r.name}`;
    return this.ops.run(r.kind, title, r.name, async (ctx) => {
      try {
        if (r.kind === 'image.pull') await this.pull(r, ctx);
        else await this.import(r, ctx);
      } finally {
        await this.imagesChanged().catch((e: Error) => log(`images could not be re-read after ${title}: ${e.message}`));
      }
      // importd copies a directory in one go that it does not stop half-way.
    }, !(r.kind === 'image.import' && r.format === 'directory'));
  }

  private async list(): Promise<Listed[]> {
    const [rows] = await this.bus().call(I1, I1_PATH, I1_MANAGER, 'ListTransfers');
    return (rows as [number, string, string, string, number, string][]).map(([id, type, remote, local, progress, path]) => ({ id, type, remote, local, progress, path }));
  }

  async pull(r: Pull, ctx: OpContext): Promise<void> {
    const bus = this.bus();
    await this.follow(ctx, r.name, async () => {
      const [id] = await bus.call(I1, I1_PATH, I1_MANAGER, r.format === 'tar' ? 'PullTar' : 'PullRaw', 'sssb', [r.url, r.name, r.verify, r.force], { interactive: true });
      return Number(id);
    });
  }

  async import(r: Import, ctx: OpContext): Promise<void> {
    // Opened (never through a symlink) and checked before importd is asked: the right kind of
    // thing, not a device or a FIFO to block on. A file goes to machinectl through a pipe: importd
    // (systemd 252) does not stop a transfer reading a regular file when it is cancelled, but
    // one reading a pipe it does; and the bytes sent are the progress. The pipe is a FIFO in a
    // private directory: importd refuses the socket Node gives a child as its stdin.
    const file = r.format === 'directory' ? undefined : openImportFile(r.path);
    if (r.format === 'directory') {
      let st;
      try {
        st = lstatSync(r.path);
      } catch (e) {
        throw new RpcError('invalid_request', `${r.path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory on the host' : (e as Error).message}`);
      }
      if (!st.isDirectory()) throw new RpcError('invalid_request', `${r.path} is not a directory`);
    }
    const verb = { tar: 'import-tar', raw: 'import-raw', directory: 'import-fs' }[r.format];
    const fifoDir = file ? mkdtempSync(join(tmpdir(), 'nsd-import-')) : undefined;
    const fifo = fifoDir && join(fifoDir, 'input');
    if (fifo) {
      const made = spawnSync('mkfifo', ['-m', '0600', fifo], { encoding: 'utf8' });
      if (made.status !== 0) throw new RpcError('failed', `mkfifo failed: ${made.stderr || made.error?.message}`);
    }
    const argv = ['--quiet', '--no-ask-password', ...(r.readOnly ? ['--read-only'] : []), ...(r.force ? ['--force'] : []), verb, '--', fifo ?? r.path, r.name];
    let stderr = '';
    let exited: Promise<number | null> | undefined;
    let source: ReadStream | undefined;
    const stopFeeding = () => source?.destroy();
    ctx.signal.addEventListener('abort', stopFeeding, { once: true });
    try {
      await this.follow(ctx, r.name, async () => {
        const child = spawn('machinectl', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
        child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
        exited = new Promise((resolve) => {
          child.on('error', (e) => { stderr += e.message; resolve(null); });
          child.on('close', resolve);
        });
        if (file && fifo) {
          // machinectl gone early (a refusal) closes the pipe: its exit code and stderr say why.
          const sink = createWriteStream(fifo);
          sink.on('error', (e) => log(`import ${r.name}: the pipe to machinectl closed (${e.message})`));
          source = createReadStream('', { fd: file.fd, highWaterMark: 1 << 20 });
          let sent = 0;
          let said = 0;
          source.on('data', (chunk) => {
            sent += chunk.length;
            if (Date.now() - said < 250) return;
            said = Date.now();
            ctx.progress(`read ${formatBytes(sent)} of ${formatBytes(file.size)} from ${r.path}`, file.size ? sent / file.size : undefined);
          });
          source.on('error', (e) => log(`import ${r.name}: reading ${r.path} stopped (${e.message})`));
          source.pipe(sink);
          // Nobody will open the FIFO's other end once machinectl is gone: the writer must not wait.
          void exited.then(() => sink.destroy());
        }
        // The transfer importd made for it, found by its local name; a small import may be over
        // before it is seen, and then machinectl's exit says how it went.
        for (;;) {
          const mine = (await this.list()).find((t) => t.local === r.name && t.type.startsWith('import'));
          if (mine) return mine.id;
          const code = await Promise.race([exited, new Promise<'wait'>((res) => setTimeout(() => res('wait'), 50))]);
          if (code !== 'wait') return 'ended';
        }
      }, () => (stderr ? lastLine(stderr) : undefined));
    } finally {
      ctx.signal.removeEventListener('abort', stopFeeding);
      if (!source) file?.close();
      if (fifoDir) rmSync(fifoDir, { recursive: true, force: true });
    }
    const code = await exited;
    if (code !== 0) throw new RpcError('failed', lastLine(stderr) ?? `machinectl ${verb} failed (exit ${code})`);
  }

  /**
   * Starts a transfer (`begin` returns its id) and follows it to its end: Progress polled, log
   * lines as steps, the signal's result as the outcome. `why`: a reason the caller knows, when the log has none.
   */
  private async follow(ctx: OpContext, name: string, begin: () => Promise<number | 'ended'>, why?: () => string | undefined, adopted = false): Promise<void> {
    const bus = this.bus();
    const lines: string[] = [];
    let id: number | undefined;
    let result: ((r: string) => void) | undefined;
    const ended = new Promise<string>((res) => (result = res));
    const early = new Map<number, string>();
    // Lines of transfers not yet known as ours (an import's id is learnt after it started).
    const unclaimed = new Map<string, string[]>();
    const addLine = (line: string) => {
      lines.push(line);
      if (lines.length > LOG_KEPT) lines.shift();
      // importd's Progress stays unknown in systemd 252; its log says "Imported 41%."
      const pct = /(\d{1,3})%/.exec(line);
      ctx.progress(line, pct ? Number(pct[1]) / 100 : undefined);
    };
    const offRemoved = await bus.subscribe({ sender: I1, path: I1_PATH, interface: I1_MANAGER, member: 'TransferRemoved' }, (s: Signal) => {
      const [tid, , res] = s.body as [number, string, string];
      if (id === undefined) early.set(Number(tid), String(res));
      else if (Number(tid) === id) result!(String(res));
    });
    const offLog = await bus.subscribe({ sender: I1, interface: I1_TRANSFER, member: 'LogMessage' }, (s: Signal) => {
      for (const line of logLinesOf(String((s.body as [number, string])[1]))) {
        if (id === undefined) {
          const kept = unclaimed.get(s.path) ?? [];
          unclaimed.set(s.path, [...kept, line].slice(-LOG_KEPT));
        } else if (s.path === pathOf(id)) addLine(line);
      }
    });
    let poll: NodeJS.Timeout | undefined;
    const cancel = () => {
      if (id !== undefined) bus.call(I1, I1_PATH, I1_MANAGER, 'CancelTransfer', 'u', [id], { interactive: true })
        .catch((e: Error) => log(`cancelling transfer ${id}: ${e.message}`));
    };
    try {
      ctx.progress(`asking systemd-importd for ${name}`);
      const begun = await begin();
      if (begun === 'ended') return;
      id = begun;
      this.followed.add(id);
      // An adopted transfer may have ended before its signals were subscribed: its result is unknown.
      if (adopted && !(await this.list()).some((t) => t.id === id) && !early.has(id)) {
        ctx.progress('it ended before it could be followed; its result is not known here');
        return;
      }
      for (const line of unclaimed.get(pathOf(id)) ?? []) addLine(line);
      unclaimed.clear();
      if (early.has(id)) result!(early.get(id)!);
      if (ctx.signal.aborted) cancel();
      ctx.signal.addEventListener('abort', cancel, { once: true });
      poll = setInterval(() => {
        this.list().then((all) => {
          const t = all.find((x) => x.id === id);
          // importd reports -1 (or NaN) until it knows the size.
          if (t && t.progress >= 0 && t.progress <= 1) ctx.progress(lines.at(-1) ?? `${t.type} ${name}`, t.progress);
          else if (t && !lines.length) ctx.progress(`${t.type} ${name}: waiting for systemd-importd`);
        }, (e: Error) => log(`transfer ${id}: progress not read: ${e.message}`));
      }, POLL_MS);
      const res = await ended;
      if (res === 'done') return;
      if (res === 'canceled') throw new RpcError('cancelled', `${name}: cancelled`);
      const reason = reasonIn(lines) ?? why?.();
      throw new RpcError('failed', `${name}: ${reason ?? 'the transfer failed'}`, undefined, lines.slice(-8));
    } finally {
      clearInterval(poll);
      if (id !== undefined) this.followed.delete(id);
      ctx.signal.removeEventListener('abort', cancel);
      await Promise.all([offRemoved(), offLog()]).catch((e: Error) => log(`transfer signals not unsubscribed: ${e.message}`));
    }
  }
}

/** A regular file to import, opened without following a symlink; refused with the reason otherwise. */
function openImportFile(path: string): { fd: number; size: number; close(): void } {
  let fd: number;
  try {
    fd = openSync(path, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RpcError('invalid_request', `${path}: ${code === 'ENOENT' ? 'no such file on the host' : code === 'ELOOP' ? 'a symlink; name the file itself' : (e as Error).message}`);
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new RpcError('invalid_request', `${path} is not a regular file`);
  }
  return { fd, size: st.size, close: () => closeSync(fd) };
}

const lastLine = (s: string) => s.trim().split('\n').filter(Boolean).pop();
const pathOf = (id: number) => `${I1_PATH}/transfer/_${id}`;

/**
 * The lines of one importd LogMessage: it forwards its worker's output as read, so one message can
 * hold several lines, each maybe with a syslog priority prefix ("…archive<30>Download … complete.").
 */
export function logLinesOf(message: string): string[] {
  return message.split(/\n|(?=<\d{1,3}>)/).map((l) => l.replace(/^<\d{1,3}>/, '').trim()).filter(Boolean);
}

/**
 * Why a transfer failed, from its log: the first line that reads as an error, leaving out the
 * optional .nspawn settings file importd looks for and gives up on quietly.
 */
export function reasonIn(lines: string[]): string | undefined {
  const telling = lines.filter((l) => !/\.nspawn\b|Settings file|Exiting/i.test(l));
  return telling.find((l) => /does not|not look|invalid|denied|cannot|can't|couldn't|unable|error|fail|refus|mismatch|no such/i.test(l)) ?? telling.at(-1) ?? lines.at(-1);
}
