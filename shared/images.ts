// machined's images (what machines boot from) and what can be done to them, as the renderer and
// the agent agree on it. Sizes are bytes; a size that machined does not know is absent, never 0.
import { z } from 'zod';
import { MachineName } from './names.js';

/** Image names follow machine names (systemd's hostname rules); `_` is refused as systemd does. */
export const ImageName = MachineName;

export const Image = z.object({
  name: z.string(),
  /** directory, subvolume, raw, block, … as machined says. */
  type: z.string(),
  readOnly: z.boolean(),
  /** ms since the epoch; absent when machined does not know. */
  createdAt: z.number().optional(),
  modifiedAt: z.number().optional(),
  usage: z.number().optional(),
  limit: z.number().optional(),
  path: z.string().optional(),
});
export type Image = z.infer<typeof Image>;

/** The largest limit accepted: 4 PiB (larger is a typo, and past exact JS integers soon). */
export const MAX_LIMIT = 2 ** 52;

const UNITS: Record<string, number> = { '': 1, B: 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50, E: 2 ** 60 };

/** "10G", "512 MiB", "1.5T", "4096" → bytes, or why not (a negative, a word, more than 4 PiB). */
export function parseSize(text: string): number | { error: string } {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGTPE]?)(?:i?B)?\s*$/i.exec(text);
  if (!m) return { error: 'a size such as 512M, 10G or 1.5T' };
  const bytes = Math.round(Number(m[1]) * UNITS[m[2].toUpperCase()]);
  if (bytes <= 0) return { error: 'more than 0' };
  if (bytes > MAX_LIMIT) return { error: 'at most 4 PiB' };
  return bytes;
}

/** Bytes for people: "512 B", "1.5 GiB", "20 GiB"; unknown sizes say so. */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return 'unknown';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** A size as a field shows it for editing, in parseSize's own spelling: "1.5G", "512M", "4096"; '' when none. */
export function sizeText(n: number | undefined): string {
  return n === undefined ? '' : formatBytes(n).replace(/ (.)iB$/, '$1').replace(/ B$/, '');
}

const Limit = z.number().int().min(1, 'more than 0').max(MAX_LIMIT, 'at most 4 PiB');

/** http(s) only: importd fetches it; anything else (file:, a path, an option) is refused here. */
export const PullUrl = z.string().max(2048).url('a URL').refine((u) => /^https?:\/\//i.test(u), 'an http:// or https:// URL');

/** A file on the managed host to import: an absolute path without `..` (it is opened as root). */
export const HostPath = z.string().max(4096)
  .refine((p) => p.startsWith('/'), 'an absolute path on the host')
  .refine((p) => !p.split('/').includes('..'), 'no ".." in the path')
  .refine((p) => !/[\0\n]/.test(p), 'no control characters');

/** A host directory to bind: a host path with no `:` (nspawn's Bind= separator) and no spaces. */
export const BindSourcePath = HostPath.refine((p) => !/[:\s]/.test(p), 'no ":" or spaces in the path');

/** A path inside the container: absolute, no `..`, no `:` or spaces, no NUL. */
export const ContainerPath = z.string().max(1024)
  .refine((p) => p.startsWith('/'), 'an absolute path in the container')
  .refine((p) => !p.split('/').includes('..'), 'no ".." in the path')
  .refine((p) => !/[:\s\0]/.test(p), 'no ":" or spaces in the path');

export const ImageOpRequest = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('image.clone'), name: ImageName, newName: ImageName, readOnly: z.boolean() }).strict(),
  z.object({ kind: z.literal('image.rename'), name: ImageName, newName: ImageName }).strict(),
  z.object({ kind: z.literal('image.readOnly'), name: ImageName, readOnly: z.boolean() }).strict(),
  z.object({ kind: z.literal('image.limit'), name: ImageName, bytes: Limit }).strict(),
  // The name typed again: a removal is never one click away from the wrong image.
  z.object({ kind: z.literal('image.remove'), name: ImageName, confirm: z.string() }).strict()
    .refine((r) => r.confirm === r.name, { message: 'type the image name to confirm', path: ['confirm'] }),
  z.object({
    kind: z.literal('image.pull'), url: PullUrl, name: ImageName, format: z.enum(['tar', 'raw']),
    verify: z.enum(['no', 'checksum', 'signature']), force: z.boolean(),
  }).strict(),
  z.object({
    kind: z.literal('image.import'), path: HostPath, name: ImageName, format: z.enum(['tar', 'raw', 'directory']),
    readOnly: z.boolean(), force: z.boolean(),
  }).strict(),
]);
export type ImageOpRequest = z.infer<typeof ImageOpRequest>;

/** What removing an image also removes: its .nspawn and the host's network files it owns. */
export const RemovalPlan = z.object({ name: z.string(), running: z.boolean(), files: z.array(z.string()) });
export type RemovalPlan = z.infer<typeof RemovalPlan>;
