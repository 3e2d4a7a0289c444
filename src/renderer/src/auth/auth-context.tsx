/**
 * Who is signed in. Tokens live in the token store; this context loads the user behind them, keeps the
 * access token fresh in the background (so an idle live view never meets an expired token) and drops
 * the user the moment any request, socket or other tab signs out.
 */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react'
import { authApi } from '../api/endpoints'
import { refreshTokens } from '../api/http'
import { tokenStore } from '../api/token-store'
import type { Role, User } from '../api/types'

interface AuthState {
  user: User | null
  /** True until we know whether the stored tokens still belong to someone. */
  isChecking: boolean
  signIn(username: string, password: string): Promise<void>
  signOut(): Promise<void>
  can(...roles: Role[]): boolean
}

const AuthContext = createContext<AuthState | null>(null)

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null)
  const [isChecking, setIsChecking] = useState(() => tokenStore.get() !== null)

  const loadUser = useCallback(
    () =>
      authApi
        .me()
        .then(setUser, () => {
          // A refused token has already been cleared by the client; an unreachable station keeps it for later.
          if (!tokenStore.get()) setUser(null)
        })
        .finally(() => setIsChecking(false)),
    []
  )

  useEffect(() => {
    if (tokenStore.get()) void loadUser()
    return tokenStore.subscribe((reason) => {
      if (reason) setUser(null)
      else if (tokenStore.get()) void loadUser()
    })
  }, [loadUser])

  // Background refresh shortly before the access token expires.
  useEffect(() => {
    if (!user) return
    let timer: ReturnType<typeof setTimeout>
    const schedule = () => {
      const dueMs = (tokenStore.get()?.refreshAfterMs ?? Date.now()) - Date.now()
      timer = setTimeout(async () => {
        await refreshTokens().catch(() => null)
        schedule()
      }, Math.max(5_000, dueMs))
    }
    schedule()
    return () => clearTimeout(timer)
  }, [user])

  const signIn = useCallback(async (username: string, password: string) => {
    const pair = await authApi.login(username, password)
    tokenStore.set(pair)
    setUser(await authApi.me())
  }, [])

  const signOut = useCallback(async () => {
    const refresh = tokenStore.get()?.refresh_token
    if (refresh) await authApi.logout(refresh).catch(() => undefined)
    tokenStore.clear('signed-out')
    setUser(null)
  }, [])

  const can = useCallback((...roles: Role[]) => Boolean(user && roles.includes(user.role)), [user])

  return <AuthContext.Provider value={{ user, isChecking, signIn, signOut, can }}>{children}</AuthContext.Provider>
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext)
  if (!state) throw new Error('useAuth outside AuthProvider')
  return state
}
