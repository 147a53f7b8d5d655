// A host's images as react-query data (listed, then replaced by 'images.changed'), and running an
// operation to its end from a dialog (ops.start answers at once; 'ops.changed' tells the end).
import { useEffect } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Image } from '../../../shared/images';
export { formatBytes } from '../../../shared/images';
import type { Op, OpRequest } from '../../../shared/ops';
import type { HostClient } from '../transport/client';
import { useHost } from '../transport/context';

const imagesKey = (host: string) => [host, 'images'] as const;

export function useImages() {
  const client = useHost();
  const qc = useQueryClient();
  useEffect(() => client.on('images.changed', (list) => qc.setQueryData<Image[]>(imagesKey(client.id), list)), [client, qc]);
  return useQuery({ queryKey: imagesKey(client.id), queryFn: () => client.call('images.list', {}), staleTime: 30_000, refetchInterval: 60_000 });
}

/**
 * Starts an operation and resolves with it once it has ended (done, failed or cancelled);
 * `onStarted` gets it as soon as the host has it, for a dialog that does not wait.
 */
export async function runOp(client: HostClient, req: OpRequest, onStarted?: (op: Op) => void): Promise<Op> {
  const seen = new Map<string, Op>();
  let wake: (() => void) | undefined;
  // Listening before the start: a quick operation can end before ops.start's answer arrives.
  const off = client.on('ops.changed', (op) => {
    if (op.endedAt === undefined) return;
    seen.set(op.id, op);
    wake?.();
  });
  try {
    const op = await client.call('ops.start', req);
    onStarted?.(op);
    while (!seen.has(op.id)) await new Promise<void>((r) => (wake = r));
    return seen.get(op.id)!;
  } finally {
    off();
  }
}

/** An operation that did not end done, as an Error for a dialog to show. */
export function opFailure(op: Op): Error | undefined {
  if (op.state === 'done') return undefined;
  return Object.assign(new Error(op.error?.message ?? `${op.title}: ${op.state}`), { code: op.error?.code });
}
