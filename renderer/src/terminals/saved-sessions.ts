// The main window remembers its shells in sessionStorage (this browser tab only), so a reload
// re-attaches them within the agent's grace period. Read back through a schema: storage is input.
import { z } from 'zod';
import { HostId } from '../../../shared/contract';
import { MachineName, UserName } from '../../../shared/names';
import { TERMINAL_ID } from '../../../shared/terminal-ids';

const SavedSession = z.object({
  host: HostId,
  machine: MachineName,
  title: z.string().max(60),
  mode: z.enum(['shell', 'login']),
  user: UserName.optional(),
  command: z.array(z.string().max(4096)).max(64).optional(),
  id: z.string().regex(TERMINAL_ID),
  token: z.string().regex(/^[0-9a-f]{32}$/),
});
export type SavedSession = z.infer<typeof SavedSession>;

const KEY = 'nsd-terminal-sessions';
const SavedList = z.array(SavedSession).max(64);

export function loadSessions(storage: Storage): SavedSession[] {
  const raw = storage.getItem(KEY);
  if (!raw) return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    storage.removeItem(KEY); // not ours, or cut short: nothing to re-attach
    return [];
  }
  const r = SavedList.safeParse(json);
  return r.success ? r.data : [];
}

export function saveSessions(storage: Storage, list: SavedSession[]): void {
  storage.setItem(KEY, JSON.stringify(list.slice(0, 64)));
}
