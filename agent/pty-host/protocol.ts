// Between an agent and its host's pty host, over a unix socket, in the stdio frame format: channel
// 0 carries requests and answers (JSON); channel N carries contract frames for the agent's client
// cN, as the text the agent passes on unread. Sessions live in the pty host, so an agent that
// crashes (or is replaced) leaves them running; a new agent's clients re-attach them by token.
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { CONTROL } from '../../shared/stdio-frames.js';
import { writeFrame } from '../frame-writer.js';

export type PtyMethod = 'open' | 'reattach' | 'write' | 'resize' | 'ack' | 'close' | 'handoff' | 'adopt' | 'closeOwner' | 'count';

export type AgentToPty = { t: 'req'; id: number; owner: string; method: PtyMethod; params: unknown };
export type PtyToAgent =
  | { t: 'hello'; epoch: string }
  | { t: 'res'; id: number; ok: true; result: unknown }
  | { t: 'res'; id: number; ok: false; error: { code: string; message: string } };

/**
 * The socket's directory: root's in /run, anyone else's in their runtime dir. Made 0700 and
 * checked to be ours: whoever can connect can type into every shell.
 */
export function ptyHostSocket(env: NodeJS.ProcessEnv = process.env): string {
  const uid = process.getuid?.() ?? 0;
  const base = uid === 0 ? '/run/nspawn-desktop' : join(env.XDG_RUNTIME_DIR ?? `/tmp/nspawn-desktop-${uid}`, 'nspawn-desktop');
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const st = statSync(base);
  if (st.uid !== uid || (st.mode & 0o077) !== 0) throw new Error(`${base} must be a directory of uid ${uid} with mode 0700`);
  return join(base, 'pty-host.sock');
}

/** The agent's client cN is channel N. */
export const ownerChannel = (owner: string): number => Number(owner.slice(1));

export const writeControl = (sock: Socket, m: AgentToPty | PtyToAgent): void => writeFrame(sock, CONTROL, JSON.stringify(m));
