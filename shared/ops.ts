// Long operations of a host (ops.*): started by a request that returns at once, followed through
// 'ops.changed' events by every window, cancellable, and kept for a while after they end. Machine
// start/stop/restart jobs are operations, and so are image changes and transfers (shared/images.ts).
import { z } from 'zod';
import { MachineName } from './names.js';
import { ImageOpRequest } from './images.js';
import { CreateRequest } from './create.js';

export const OpId = z.string().regex(/^o[0-9]{1,9}$/, 'not an operation id');

/** What an operation does; each kind has its own validated parameters. */
export const OpRequest = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('machine.start'), name: MachineName }).strict(),
  z.object({ kind: z.literal('machine.stop'), name: MachineName }).strict(),
  z.object({ kind: z.literal('machine.restart'), name: MachineName }).strict(),
  ...ImageOpRequest.options,
  CreateRequest,
]);
export type OpRequest = z.infer<typeof OpRequest>;

export const OpState = z.enum(['running', 'cancelling', 'done', 'failed', 'cancelled']);
export type OpState = z.infer<typeof OpState>;

export const Op = z.object({
  id: OpId,
  kind: z.string(),
  /** For people: "Start web". */
  title: z.string(),
  /** The machine (or image) it acts on, when there is one. */
  target: z.string().optional(),
  state: OpState,
  /** What it is doing now, and how far along when that can be known (0..1). */
  step: z.string().optional(),
  fraction: z.number().min(0).max(1).optional(),
  cancellable: z.boolean(),
  startedAt: z.number(),
  endedAt: z.number().optional(),
  error: z.object({ code: z.string(), message: z.string(), details: z.array(z.string()).optional() }).optional(),
});
export type Op = z.infer<typeof Op>;

/** Ended operations a host keeps listing, newest first, so a window opened later still sees them. */
export const OPS_KEPT = 50;
