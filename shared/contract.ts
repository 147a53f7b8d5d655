// The one contract between renderer and backend: every request `domain.verb` with zod input and
// output schemas, and every event. The backend validates inputs against it before any service runs.
import { z } from 'zod';
import { Machine } from './machine.js';
import { MachineName, UserName } from './names.js';
import type { RpcErrorShape } from './errors.js';

const Empty = z.object({}).strict();
const ByName = z.object({ name: MachineName }).strict();
const Ok = z.object({ ok: z.literal(true) });
const TermId = z.string().regex(/^t[0-9]{1,9}$/, 'not a terminal id');

export const HostInfo = z.object({
  label: z.string(),
  kind: z.enum(['local', 'sandbox']),
  busAddress: z.string(),
  connected: z.boolean(),
  error: z.string().optional(),
});
export type HostInfo = z.infer<typeof HostInfo>;

export const requests = {
  'host.info': { input: Empty, output: HostInfo },
  'machines.list': { input: Empty, output: z.array(Machine) },
  'machines.start': { input: ByName, output: Ok },
  'machines.stop': { input: ByName, output: Ok },
  'machines.restart': { input: ByName, output: Ok },
  'machines.poweroff': { input: ByName, output: Ok },
  'machines.reboot': { input: ByName, output: Ok },
  'machines.terminate': { input: ByName, output: Ok },
  'machines.setAutostart': {
    input: z.object({ name: MachineName, enabled: z.boolean() }).strict(),
    output: Ok,
  },
  'terminal.open': {
    input: z.object({
      machine: MachineName,
      mode: z.enum(['shell', 'login']).default('shell'),
      user: UserName.optional(),
      /** Program and arguments to run instead of the login shell (argv, never a string). */
      command: z.array(z.string().min(1).max(4096).refine((s) => !s.includes('\0'), 'NUL byte')).max(64).optional(),
      cols: z.number().int().min(2).max(1000),
      rows: z.number().int().min(1).max(500),
    }).strict(),
    output: z.object({ id: TermId }),
  },
  'terminal.write': {
    input: z.object({ id: TermId, data: z.string().max(1_000_000) }).strict(),
    output: Ok,
  },
  'terminal.resize': {
    input: z.object({ id: TermId, cols: z.number().int().min(2).max(1000), rows: z.number().int().min(1).max(500) }).strict(),
    output: Ok,
  },
  'terminal.ack': {
    input: z.object({ id: TermId, chars: z.number().int().min(0).max(1e9) }).strict(),
    output: Ok,
  },
  'terminal.close': { input: z.object({ id: TermId }).strict(), output: Ok },
} as const;

export type Method = keyof typeof requests;
export type Input<M extends Method> = z.input<(typeof requests)[M]['input']>;
export type ParsedInput<M extends Method> = z.output<(typeof requests)[M]['input']>;
export type Output<M extends Method> = z.output<(typeof requests)[M]['output']>;

export const TerminalExit = z.object({
  id: TermId,
  exitCode: z.number().optional(),
  reason: z.string(),
});

export const events = {
  /** The whole list, sent when anything changes (coalesced). */
  'machines.changed': z.array(Machine),
  'host.status': HostInfo,
  'terminal.data': z.object({ id: TermId, data: z.string() }),
  'terminal.exit': TerminalExit,
} as const;

export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>;

/** Wire frames, the same over Electron's MessagePort and the web-mode WebSocket. */
export type ClientFrame = { t: 'req'; id: number; method: string; params: unknown };
export type ServerFrame =
  | { t: 'res'; id: number; ok: true; result: unknown }
  | { t: 'res'; id: number; ok: false; error: RpcErrorShape }
  | { t: 'evt'; name: EventName; payload: unknown };

/** Terminal flow control: the renderer acks every ACK_CHARS written; the backend pauses the pty
 * above HIGH_WATERMARK unacked chars and resumes below LOW_WATERMARK. */
export const FLOW = { ACK_CHARS: 5_000, HIGH_WATERMARK: 100_000, LOW_WATERMARK: 5_000, BATCH_MS: 5 } as const;
