import { createContext, useContext, type ReactNode } from 'react';
import type { Client, HostClient } from './client';

const Ctx = createContext<Client | null>(null);

export function ClientProvider({ client, children }: { client: Client; children: ReactNode }) {
  return <Ctx.Provider value={client}>{children}</Ctx.Provider>;
}

export function useClient(): Client {
  const c = useContext(Ctx);
  if (!c) throw new Error('useClient outside ClientProvider');
  return c;
}

const HostCtx = createContext<HostClient | null>(null);

/** The host the views below show (the header's host picker chooses it). */
export function HostProvider({ host, children }: { host: HostClient; children: ReactNode }) {
  return <HostCtx.Provider value={host}>{children}</HostCtx.Provider>;
}

export function useHost(): HostClient {
  const h = useContext(HostCtx);
  if (!h) throw new Error('useHost outside HostProvider');
  return h;
}
