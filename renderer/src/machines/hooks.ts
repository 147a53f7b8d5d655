// Machines and host status as react-query data, patched by backend events (no polling).
import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { HostInfo } from '../../../shared/contract';
import type { Machine } from '../../../shared/machine';
import { followMachines, machinesKey, machinesQuery, pendingStates, withPending } from './machine-feed';
import { useHost } from '../transport/context';
import type { ClientError } from '../transport/client';

export { machinesKey };
const hostKey = (host: string) => [host, 'host'] as const;
const OPTIMISTIC: Partial<Record<MachineAction, Machine['state']>> = { start: 'starting', stop: 'stopping', poweroff: 'stopping', terminate: 'stopping' };

/** The shown host, its list kept up to date from its events while the caller is mounted. */
function useFollowedHost() {
  const client = useHost();
  const qc = useQueryClient();
  useEffect(() => followMachines(client, qc), [client, qc]);
  return client;
}

export function useMachines() {
  return useQuery(machinesQuery(useFollowedHost()));
}

/**
 * What a component needs of the list, read through `select`: it redraws only when that changes
 * (a string compares by value, a row by identity, and a delta keeps unchanged rows), not on every
 * change to any machine. Undefined while the list is unknown.
 */
export function useMachinesSelect<T>(select: (list: Machine[]) => T): T | undefined {
  return useQuery({ ...machinesQuery(useFollowedHost()), select }).data;
}

/** The names of the machines in these states, as one string (it compares by value). */
const namesIn = (states: readonly Machine['state'][]) => (list: Machine[]) =>
  list.filter((m) => states.includes(m.state)).map((m) => m.name).join('\n');

const runningNamesOf = namesIn(['running']);
const stoppedNamesOf = namesIn(['stopped', 'failed']);

/** Names selected as one string, as an array that stays the same until that set changes. */
function useNames(select: (list: Machine[]) => string): string[] {
  const names = useMachinesSelect(select);
  return useMemo(() => (names ? names.split('\n') : []), [names]);
}

/** The names of the running machines. */
export const useRunningMachineNames = (): string[] => useNames(runningNamesOf);
/** The names of the stopped and failed machines. */
export const useStoppedMachineNames = (): string[] => useNames(stoppedNamesOf);

export function useHostStatus(): { host?: HostInfo; linkUp: boolean; linkProblem?: string } {
  const client = useHost();
  const qc = useQueryClient();
  const [linkUp, setLinkUp] = useState(client.linkUp);
  const [linkProblem, setLinkProblem] = useState(client.linkProblem);
  useEffect(() => {
    const off = client.on('host.status', (h) => {
      const prev = qc.getQueryData<HostInfo>(hostKey(client.id));
      qc.setQueryData(hostKey(client.id), h);
      // Reconnected to the bus: the list was re-read by the backend; fetch it. Also when this is the
      // first status (the host's info was not read yet) or the list was refused while the agent
      // was starting: otherwise "Could not list machines" stays under a "connected" host.
      const listFailed = qc.getQueryState(machinesKey(client.id))?.status === 'error';
      if (h.connected && (!prev?.connected || listFailed)) void qc.invalidateQueries({ queryKey: machinesKey(client.id) });
    });
    const offLink = client.onLink((up) => {
      setLinkUp(up);
      setLinkProblem(client.linkProblem);
    });
    return () => {
      off();
      offLink();
    };
  }, [client, qc]);
  const q = useQuery({ queryKey: hostKey(client.id), queryFn: () => client.call('host.info', {}), staleTime: Infinity });
  return { host: q.data, linkUp, linkProblem };
}

/**
 * Counts the times this host's agent came back (after a crash, or after the link to the hub
 * dropped): what lives only in an agent run (journal streams) must be asked for again then.
 */
export function useAgentReturns(): number {
  const client = useHost();
  const [n, setN] = useState(0);
  useEffect(() => {
    let down = false;
    const offStatus = client.on('host.status', (h) => {
      if (!h.epoch) down = true;
      else if (down) {
        down = false;
        setN((x) => x + 1);
      }
    });
    const offLink = client.onLink((up) => {
      if (up) setN((x) => x + 1);
    });
    return () => {
      offStatus();
      offLink();
    };
  }, [client]);
  return n;
}

export type MachineAction = 'start' | 'stop' | 'restart' | 'poweroff' | 'reboot' | 'terminate';

export const ACTION_LABELS: Record<MachineAction, string> = {
  start: 'Start', stop: 'Stop', restart: 'Restart', poweroff: 'Power off', reboot: 'Reboot', terminate: 'Terminate',
};

export const DESTRUCTIVE: Record<MachineAction, string | undefined> = {
  start: undefined,
  stop: 'Stops the container in an orderly way (its unit receives the stop job; processes get KillSignal).',
  restart: 'Stops and starts the container again. Open shells in it will end.',
  poweroff: 'Asks systemd inside the container to power off (SIGRTMIN+4 to its init).',
  reboot: 'Asks systemd inside the container to reboot (SIGINT to its init).',
  terminate: 'Kills all processes of the container at once. Unsaved data inside may be lost.',
};

export interface ActionFailure {
  id: number;
  title: string;
  message: string;
  details?: string[];
  code?: string;
}

export function useMachineAction(onError: (f: Omit<ActionFailure, 'id'>) => void) {
  const client = useHost();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ action, name }: { action: MachineAction; name: string }) => client.call(`machines.${action}`, { name }),
    onMutate: ({ action, name }) => {
      const state = OPTIMISTIC[action];
      const m = qc.getQueryData<Machine[]>(machinesKey(client.id))?.find((x) => x.name === name);
      if (!state || !m) return;
      pendingStates.set(`${client.id}\0${name}`, { state, from: m.state, until: Date.now() + 10_000 });
      qc.setQueryData<Machine[]>(machinesKey(client.id), (list) => list && withPending(client.id, list));
    },
    onError: (e: ClientError, v) => {
      pendingStates.delete(`${client.id}\0${v.name}`);
      void qc.invalidateQueries({ queryKey: machinesKey(client.id) });
      // Cancelled on purpose (from Operations): not a failure to report.
      if (e.code !== 'cancelled') onError({ title: `${ACTION_LABELS[v.action]} ${v.name} failed`, message: e.message, details: e.details, code: e.code });
    },
  });
}

export function useAutostart(onError: (f: Omit<ActionFailure, 'id'>) => void, onDone: (message: string) => void) {
  const client = useHost();
  return useMutation({
    mutationFn: ({ name, enabled }: { name: string; enabled: boolean }) => client.call('machines.setAutostart', { name, enabled }),
    onSuccess: (_r, v) => onDone(v.enabled ? `${v.name} now starts at boot (machines.target wants it)` : `${v.name} no longer starts at boot`),
    onError: (e: ClientError, v) => onError({ title: `${v.enabled ? 'Enabling' : 'Disabling'} autostart of ${v.name} failed`, message: e.message }),
  });
}

export type { Machine };
