import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, onTokenRefused, storedToken, storeToken } from '../api/client.js';
import { ApiFailure, unwrap } from '../api/errors.js';
import type { components } from '../api/schema.js';

export type Session = components['schemas']['SessionDto'];

interface SessionState {
  /** The signed-in user, or undefined when nobody is (or the token was refused). */
  readonly user: Session | undefined;
  /** True until the stored token (if any) has been checked with the API. */
  readonly checking: boolean;
  /** Checks `token` with the API and keeps it for this browser tab; throws the API's refusal. */
  signIn(token: string): Promise<Session>;
  signOut(): void;
  /** True once a signed-in user's token was refused by the API (expired): sign-in says so. */
  readonly expired: boolean;
  /** Whether the user holds any of `roles`: the console shows only what the user's roles may do. */
  hasRole(...roles: string[]): boolean;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

async function fetchSession(): Promise<Session> {
  return unwrap(api.GET('/session'));
}

/**
 * The signed-in user. The token lives in sessionStorage (this tab only, gone when it closes); the API is
 * the judge of it: the user shown is what GET /session answers, never what the console decodes itself.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<Session>();
  const [checking, setChecking] = useState(() => storedToken() !== null);
  const [expired, setExpired] = useState(false);
  const signedIn = useRef(false);
  signedIn.current = user !== undefined;

  // A token refused while someone is signed in has expired: the session ends, and RequireSession sends
  // the user to sign-in and back to the page they were on. A token refused at sign-in is only a failure.
  useEffect(
    () =>
      onTokenRefused(() => {
        if (!signedIn.current) return;
        storeToken(null);
        setUser(undefined);
        setExpired(true);
      }),
    [],
  );

  useEffect(() => {
    if (storedToken() === null) return;
    fetchSession().then(
      (session) => {
        setUser(session);
        setChecking(false);
      },
      (error: unknown) => {
        // The tab kept a token the API now refuses: the session it belonged to has expired.
        if (error instanceof ApiFailure && error.status === 401) setExpired(true);
        storeToken(null);
        setChecking(false);
      },
    );
  }, []);

  const signIn = useCallback(async (token: string) => {
    storeToken(token.trim());
    try {
      const session = await fetchSession();
      setUser(session);
      setExpired(false);
      return session;
    } catch (error) {
      storeToken(null);
      throw error instanceof ApiFailure ? error : new ApiFailure(0, undefined);
    }
  }, []);

  const signOut = useCallback(() => {
    storeToken(null);
    setUser(undefined);
    setExpired(false);
  }, []);

  const value = useMemo<SessionState>(
    () => ({ user, checking, signIn, signOut, expired, hasRole: (...roles) => roles.some((role) => user?.roles.includes(role) ?? false) }),
    [user, checking, signIn, signOut, expired],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession must be used inside <SessionProvider>');
  return value;
}
