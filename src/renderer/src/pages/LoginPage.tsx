import { useState, type FormEvent } from 'react'
import { authApi } from '../api/endpoints'
import { ApiError } from '../api/http'
import { tokenStore } from '../api/token-store'
import { useAuth } from '../auth/auth-context'
import { ErrorNote } from '../components/ui/ui'
import { useHealth } from '../hooks/use-health'

/** Sign in, or create an account when the station allows registration (the first account becomes admin). */
export function LoginPage() {
  const { signIn } = useAuth()
  const [mode, setMode] = useState<'sign-in' | 'register'>('sign-in')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [fullName, setFullName] = useState('')
  const [error, setError] = useState<Error | null>(null)
  const [isBusy, setIsBusy] = useState(false)
  const reason = tokenStore.lastSignOutReason()
  // Before a password is typed: the certificate the station says it serves, to compare with the browser's.
  const { health } = useHealth(30_000)
  const tls = health?.tls ?? null

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setIsBusy(true)
    setError(null)
    try {
      if (mode === 'register') await authApi.register({ email, password, ...(fullName ? { full_name: fullName } : {}) })
      await signIn(email, password)
    } catch (err) {
      setError(err instanceof ApiError ? err : new Error((err as Error).message))
    } finally {
      setIsBusy(false)
    }
  }

  return (
    <div className="login-page">
      <form className="panel login-form" onSubmit={submit} aria-labelledby="login-title" data-testid="login-form">
        <h1 id="login-title">{mode === 'sign-in' ? 'Sign in' : 'Create account'}</h1>
        {reason === 'expired' && mode === 'sign-in' && <p className="muted">Your session has expired. Please sign in again.</p>}
        <label>
          Email
          <input type="email" name="username" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus data-testid="login-email" />
        </label>
        {mode === 'register' && (
          <label>
            <span>
              Full name <span className="muted">(optional)</span>
            </span>
            <input type="text" name="full_name" autoComplete="name" value={fullName} onChange={(e) => setFullName(e.target.value)} data-testid="login-full-name" />
          </label>
        )}
        <label>
          Password
          <input
            type="password"
            name="password"
            autoComplete={mode === 'register' ? 'new-password' : 'current-password'}
            required
            minLength={mode === 'register' ? 8 : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="login-password"
          />
        </label>
        <ErrorNote error={error} />
        <button type="submit" className="btn btn-primary" disabled={isBusy} data-testid="login-submit">
          {isBusy ? 'Please wait…' : mode === 'sign-in' ? 'Sign in' : 'Create account and sign in'}
        </button>
        <button type="button" className="btn btn-link" onClick={() => setMode(mode === 'sign-in' ? 'register' : 'sign-in')} data-testid="login-toggle">
          {mode === 'sign-in' ? 'No account yet? Create one' : 'Have an account? Sign in'}
        </button>
        {tls && (
          <p className="muted cert-fingerprint" data-testid="tls-fingerprint">
            {tls.source === 'generated' ? 'This station made its own certificate. ' : ''}
            Certificate SHA-256 (compare with your browser's and the station's screen): <code>{tls.fingerprint_sha256}</code>
          </p>
        )}
      </form>
    </div>
  )
}
