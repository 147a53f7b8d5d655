// A host's long operations as react-query data: listed once, then patched by 'ops.changed' events.
import { useEffect } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Op } from '../../../shared/ops';
import { useHost } from '../transport/context';

const opsKey = (host: string) => [host, 'ops'] as const;

export function useOps() {
  const client = useHost();
  const qc = useQueryClient();
  useEffect(() => client.on('ops.changed', (op) => {
    qc.setQueryData<Op[]>(opsKey(client.id), (list) => {
      if (!list) return list; // the list query fetches everything soon
      const rest = list.filter((o) => o.id !== op.id);
      return [op, ...rest].sort((a, b) => b.startedAt - a.startedAt || Number(b.id.slice(1)) - Number(a.id.slice(1)));
    });
  }), [client, qc]);
  return useQuery({ queryKey: opsKey(client.id), queryFn: () => client.call('ops.list', {}), staleTime: Infinity });
}

export function useCancelOp() {
  const client = useHost();
  return useMutation({ mutationFn: (op: string) => client.call('ops.cancel', { op }) });
}
