// Machine and user names, following systemd's hostname rules (letters, digits, '-', dots between
// labels, at most 64 chars). A leading '-' is refused too, so a name can never read as an option.
import { z } from 'zod';

const LABELS = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;

export function isValidMachineName(s: string): boolean {
  return s.length > 0 && s.length <= 64 && !s.startsWith('-') && LABELS.test(s);
}

export const MachineName = z
  .string()
  .max(64, 'at most 64 characters')
  .refine(isValidMachineName, 'not a valid machine name (letters, digits, "-", dots between labels)');

// POSIX portable user names, plus the common '_'; never an option, never a path.
export const UserName = z
  .string()
  .max(32, 'at most 32 characters')
  .regex(/^[a-z_][a-z0-9_-]*$/, 'not a valid user name');

export const unitForMachine = (name: string) => `systemd-nspawn@${name}.service`;

/** The machine behind a `systemd-nspawn@NAME.service` unit, if it is one. */
export function machineForUnit(unit: string): string | undefined {
  const m = /^systemd-nspawn@(.+)\.service$/.exec(unit);
  if (!m) return undefined;
  const name = unescapeUnitInstance(m[1]);
  return isValidMachineName(name) ? name : undefined;
}

/** Undo systemd's \xNN escaping of instance names (valid machine names never need it). */
export function unescapeUnitInstance(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}
