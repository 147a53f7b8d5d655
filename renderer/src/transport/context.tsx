import { createContext, useContext, type ReactNode } from 'react';
import type { Client } from './client';

const Ctx = createContext<Client | null>(null);

export function ClientProvider({ client, children }: { client: Client; children: ReactNode }) {
  return <Ctx.Provider value={client}>{children}</Ctx.Provider>;
}

export function useClient(): Client {
  const c = useContext(Ctx);
  if (!c) throw new Error('useClient outside ClientProvider');
  return c;
}
