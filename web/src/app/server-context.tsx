/** Who the user is and what the server offers, loaded once and shared by every screen. */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { getAuthConfig, type AuthConfig } from '../api/auth';
import { AUTH_REQUIRED_EVENT } from '../api/client';
import {
  getEngines,
  getMe,
  loadCapabilities,
  type Capabilities,
  type EngineList,
  type Me,
} from '../api/server';

export interface ServerInfo {
  /** The signed-in user; null while loading or when signed out (see `signedOut`). */
  me: Me | null;
  /** True once the server said nobody is signed in (401). */
  signedOut: boolean;
  auth: AuthConfig | null;
  capabilities: Capabilities | null;
  engines: EngineList | null;
  /** Re-read the session (after sign-in, sign-out, enrolment). */
  refresh: () => void;
}

const ServerContext = createContext<ServerInfo>({
  me: null,
  signedOut: false,
  auth: null,
  capabilities: null,
  engines: null,
  refresh: () => undefined,
});

export function ServerProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [signedOut, setSignedOut] = useState(false);
  const [auth, setAuth] = useState<AuthConfig | null>(null);
  const [capabilities, setCapabilities] = useState<Capabilities | null>(null);
  const [engines, setEngines] = useState<EngineList | null>(null);
  const [generation, setGeneration] = useState(0);
  const refresh = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    const ctl = new AbortController();
    // Each piece arrives on its own; none blocks the first screen.
    getMe(ctl.signal).then(
      (m) => {
        setMe(m);
        setSignedOut(m === null);
      },
      () => undefined,
    );
    return () => ctl.abort();
  }, [generation]);

  useEffect(() => {
    const ctl = new AbortController();
    getAuthConfig(ctl.signal).then(setAuth, () => undefined);
    return () => ctl.abort();
  }, []);

  // The OpenAPI document and the engines need a signed-in user in multi-user mode.
  useEffect(() => {
    if (!me) return;
    const ctl = new AbortController();
    void loadCapabilities().then((c) => {
      if (!ctl.signal.aborted) setCapabilities(c);
    });
    getEngines(ctl.signal).then(setEngines, () => undefined);
    return () => ctl.abort();
  }, [me]);

  // Any 401 from any screen means the session is over.
  useEffect(() => {
    const onAuthRequired = () => {
      setMe(null);
      setSignedOut(true);
    };
    window.addEventListener(AUTH_REQUIRED_EVENT, onAuthRequired);
    return () => window.removeEventListener(AUTH_REQUIRED_EVENT, onAuthRequired);
  }, []);

  return (
    <ServerContext.Provider value={{ me, signedOut, auth, capabilities, engines, refresh }}>
      {children}
    </ServerContext.Provider>
  );
}

export function useServer(): ServerInfo {
  return useContext(ServerContext);
}
