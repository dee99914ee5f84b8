/** Who the user is and what the server offers, loaded once and shared by every screen. */
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import {
  getEngines,
  getMe,
  loadCapabilities,
  type Capabilities,
  type EngineList,
  type Me,
} from '../api/server';

export interface ServerInfo {
  me: Me | null;
  capabilities: Capabilities | null;
  engines: EngineList | null;
}

const ServerContext = createContext<ServerInfo>({ me: null, capabilities: null, engines: null });

export function ServerProvider({ children }: { children: ReactNode }) {
  const [info, setInfo] = useState<ServerInfo>({ me: null, capabilities: null, engines: null });
  useEffect(() => {
    const ctl = new AbortController();
    // Each piece arrives on its own; none blocks the first screen.
    void getMe(ctl.signal)
      .then((me) => setInfo((s) => ({ ...s, me })))
      .catch(() => undefined);
    void loadCapabilities().then((capabilities) => {
      if (!ctl.signal.aborted) setInfo((s) => ({ ...s, capabilities }));
    });
    void getEngines(ctl.signal)
      .then((engines) => setInfo((s) => ({ ...s, engines })))
      .catch(() => undefined);
    return () => ctl.abort();
  }, []);
  return <ServerContext.Provider value={info}>{children}</ServerContext.Provider>;
}

export function useServer(): ServerInfo {
  return useContext(ServerContext);
}
