// Where a recorded change stands now, file by file, and putting its files back. Restoring is
// idempotent: a file already back at its old text is skipped, so an undo that stopped part-way
// (a full disk, a crash) is finished by running it again.
import { RpcError } from '../../shared/errors.js';
import type { Side } from '../../shared/network.js';
import { writeAtomic } from './atomic-write.js';
import type { RootedTree } from './rooted-tree.js';
import type { UndoRecord } from './undo-log.js';

type TreeOf = (side: Side) => RootedTree | undefined;
type FileState = 'applied' | 'restored' | 'changed';

function fileStates(r: UndoRecord, treeOf: TreeOf): { f: UndoRecord['files'][number]; state: FileState; where: string; why?: string }[] {
  return r.files.map((f) => {
    const tree = treeOf(f.side);
    if (!tree) return { f, state: 'changed' as const, where: `${f.rel} (${f.side})`, why: `the ${f.side} side's files are not reachable now` };
    const where = tree.where(f.rel);
    try {
      const cur = tree.read(f.rel);
      if (cur.tag === f.afterTag) return { f, state: 'applied' as const, where };
      if (cur.text === f.before) return { f, state: 'restored' as const, where };
      return { f, state: 'changed' as const, where, why: `${where} changed since this change was applied` };
    } catch (e) {
      if (!(e instanceof RpcError)) throw e;
      return { f, state: 'changed' as const, where, why: e.message };
    }
  });
}

/** For the panel: can the change be undone, or finished, or only forgotten? */
export function undoState(r: UndoRecord, treeOf: TreeOf): { state: 'applied' | 'partly-undone' | 'changed'; restoredFiles: number; reason?: string } {
  const states = fileStates(r, treeOf);
  const changed = states.find((s) => s.state === 'changed');
  const restoredFiles = states.filter((s) => s.state === 'restored').length;
  if (changed) return { state: 'changed', restoredFiles, reason: changed.why };
  return { state: restoredFiles ? 'partly-undone' : 'applied', restoredFiles };
}

/**
 * Puts back every file still as the change left it, newest write first. Refuses before writing
 * anything if a file changed since (unless `skipChanged`, used to roll back a failed apply).
 */
export function restoreFiles(r: UndoRecord, treeOf: TreeOf, opts: { skipChanged?: boolean } = {}): string[] {
  const states = fileStates(r, treeOf);
  const changed = states.find((s) => s.state === 'changed');
  if (changed && !opts.skipChanged) throw new RpcError('conflict', `${changed.why}; not undone`);
  const restored: string[] = [];
  for (const s of [...states].reverse()) {
    if (s.state !== 'applied') continue;
    writeAtomic(treeOf(s.f.side)!, s.f.rel, s.f.before, s.f.afterTag);
    restored.push(s.f.rel);
  }
  return restored;
}
