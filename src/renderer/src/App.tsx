import { useEffect, useState, type ReactNode } from 'react'
import { useAuth, AuthProvider } from './auth/auth-context'
import { formatBytes } from './components/ui/format-bytes'
import { Skeleton } from './components/ui/ui'
import { useHealth } from './hooks/use-health'
import { AuditPage } from './pages/AuditPage'
import { DevicesPage } from './pages/DevicesPage'
import { DrivePage } from './pages/DrivePage'
import { LivePage } from './pages/LivePage'
import { LoginPage } from './pages/LoginPage'
import { MonitorPage } from './pages/MonitorPage'
import { SessionDetailPage } from './pages/SessionDetailPage'
import { SessionsPage } from './pages/SessionsPage'
import { SyncPage } from './pages/SyncPage'
import { UsersPage } from './pages/UsersPage'
import { Link, navigate, RouterProvider, Routes, useLocation, type Route } from './router/router'
import type { Role } from './api/types'

interface NavItem {
  to: string
  label: string
  roles: Role[]
}

/** Students follow sessions; researchers run them and the hardware; admins also manage people. */
const NAV: NavItem[] = [
  { to: '/monitor', label: 'Monitor', roles: ['admin', 'researcher', 'student'] },
  { to: '/sessions', label: 'Sessions', roles: ['admin', 'researcher', 'student'] },
  { to: '/devices', label: 'Devices', roles: ['admin', 'researcher'] },
  { to: '/sync', label: 'Sync', roles: ['admin', 'researcher'] },
  { to: '/admin/users', label: 'Users', roles: ['admin'] },
  { to: '/admin/audit', label: 'Audit', roles: ['admin'] }
]

const ROUTES: Route[] = [
  { path: '/sessions', render: () => <SessionsPage /> },
  { path: '/sessions/:id', render: ({ id }) => <SessionDetailPage key={id} sessionId={id} /> },
  { path: '/sessions/:id/live', render: ({ id }) => <LivePage key={id} sessionId={id} /> },
  { path: '/monitor', render: () => <MonitorPage /> },
  { path: '/devices', render: () => <DevicesPage /> },
  { path: '/sync', render: () => <SyncPage /> },
  { path: '/admin/users', render: () => <UsersPage /> },
  { path: '/admin/audit', render: () => <AuditPage /> },
  { path: '/drive/:sessionId', render: ({ sessionId }) => <DrivePage key={sessionId} sessionId={sessionId} /> }
]

/**
 * The browser tab's title per page, so tabs, history and screen readers say where you are. The
 * station's name stays out: several stations' tabs are told apart by their address.
 */
function documentTitleFor(pathname: string, isSignedIn: boolean): string {
  if (!isSignedIn) return 'Sign in · Vigil'
  const rules: [RegExp, string][] = [
    [/^\/sessions\/[^/]+\/live$/, 'Live view'],
    [/^\/sessions\/[^/]+$/, 'Session'],
    [/^\/drive\//, 'Drive'],
    [/^\/admin\/users$/, 'Users'],
    [/^\/admin\/audit$/, 'Audit trail']
  ]
  const rule = rules.find(([pattern]) => pattern.test(pathname))
  const nav = NAV.find((item) => item.to === pathname)
  const title = rule?.[1] ?? nav?.label ?? (pathname === '/' || pathname === '/login' ? 'Monitor' : 'Page not found')
  return `${title} · Vigil`
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to])
  return null
}

function Shell() {
  const { user, isChecking, signOut } = useAuth()
  const { health, isReachable } = useHealth()
  const { pathname } = useLocation()
  const isDrive = pathname.startsWith('/drive/')
  // On a phone the navigation folds behind a Menu button (CSS decides when); a new page folds it again.
  const [menuOpenAt, setMenuOpenAt] = useState<string | null>(null)
  const isMenuOpen = menuOpenAt === pathname

  useEffect(() => {
    if (!isChecking) document.title = documentTitleFor(pathname, Boolean(user))
  }, [pathname, user, isChecking])

  let content: ReactNode
  if (isChecking) content = <Skeleton lines={6} />
  else if (!user) content = <LoginPage />
  else if (pathname === '/' || pathname === '/login') content = <Redirect to="/monitor" />
  else if (pageNotForRole(pathname, user.role)) content = <NotForRole item={pageNotForRole(pathname, user.role)!} role={user.role} />
  else content = <Routes routes={ROUTES} fallback={<NotFound />} />

  return (
    <div className={`app-shell${isDrive ? ' is-drive' : ''}`} data-testid="app-shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <Link to="/" className="brand">
          Vigil
        </Link>
        <span className="station-name">{health?.station_name ?? 'connecting…'}</span>
        {user && !isDrive && (
          <button
            type="button"
            className="btn btn-small nav-toggle"
            aria-expanded={isMenuOpen}
            aria-controls="main-nav"
            onClick={() => setMenuOpenAt(isMenuOpen ? null : pathname)}
          >
            Menu
          </button>
        )}
        {user && !isDrive && (
          <nav className={`app-nav${isMenuOpen ? ' is-open' : ''}`} aria-label="Main" id="main-nav">
            {NAV.filter((item) => item.roles.includes(user.role)).map((item) => (
              <Link key={item.to} to={item.to} className={pathname.startsWith(item.to) ? 'active' : undefined} aria-current={pathname.startsWith(item.to) ? 'page' : undefined}>
                {item.label}
              </Link>
            ))}
          </nav>
        )}
        <span className="header-spacer" />
        {/* An unreachable station's last answer is stale: say so instead of showing it as current. */}
        <span className={`device-state device-${isReachable === false ? 'unknown' : (health?.device.state ?? 'unknown')}`} data-testid="device-state" title="Headset">
          {isReachable === false ? 'station unreachable' : health ? `${health.device.kind ?? 'no headset'}: ${health.device.state}` : '…'}
        </span>
        <span className="samples" title="Samples received from the headset">
          <span data-testid="samples-received">{health?.device.samples_received ?? 0}</span> samples
        </span>
        {user && (
          <span className="user-box">
            <span data-testid="current-user" title={user.email}>
              {user.full_name || user.email} <span className="role">{user.role}</span>
            </span>
            <button type="button" className="btn btn-small" onClick={() => void signOut()} data-testid="sign-out">
              Sign out
            </button>
          </span>
        )}
      </header>
      {isReachable === false && (
        <div className="banner banner-bad" role="alert" data-testid="offline-banner">
          The station cannot be reached. Retrying every 2 s. If only the network is down, the station keeps recording.
        </div>
      )}
      {isReachable !== false && health?.storage && health.storage.level !== 'ok' && (
        <div className={`banner ${health.storage.level === 'critical' ? 'banner-bad' : 'banner-warn'}`} role="alert" data-testid="disk-banner" data-level={health.storage.level}>
          {health.storage.level === 'critical' ? 'The station is nearly out of disk space' : 'Disk space is low on the station'}: {formatBytes(health.storage.free_bytes)} free. A
          recording stops when the disk is full (nothing already stored is lost): free some space, or export and delete old sessions.
        </div>
      )}
      <main className="app-main" id="main" tabIndex={-1}>
        {content}
      </main>
    </div>
  )
}

/** The nav page under `pathname` that `role` may not use (a deep link or bookmark), if any. */
function pageNotForRole(pathname: string, role: Role): NavItem | undefined {
  return NAV.find((item) => (pathname === item.to || pathname.startsWith(`${item.to}/`)) && !item.roles.includes(role))
}

const ROLE_HELP: Record<string, string> = {
  '/devices': 'Researchers and admins connect and configure the headset. You can follow your own sessions on the Monitor and Sessions pages.',
  '/sync': 'Researchers and admins look after the sync to the central database.',
  '/admin/users': 'Admins manage user accounts and roles.'
}

/** Instead of a page whose every request would be refused: what the page is for and who may use it. */
function NotForRole({ item, role }: { item: NavItem; role: Role }) {
  return (
    <div className="page" data-testid="not-for-role">
      <h1>{item.label}</h1>
      <p>
        This page is not available to your role (<strong>{role}</strong>). {ROLE_HELP[item.to] ?? `It is for ${item.roles.join(' and ')}s.`}
      </p>
      <p className="muted">If you need it, ask an admin to change your role.</p>
      <p>
        <Link to="/monitor">Go to the monitor</Link> · <Link to="/sessions">Sessions</Link>
      </p>
    </div>
  )
}

function NotFound() {
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        <Link to="/monitor">Go to the monitor</Link>
      </p>
    </div>
  )
}

export function App() {
  return (
    <RouterProvider>
      <AuthProvider>
        <Shell />
      </AuthProvider>
    </RouterProvider>
  )
}
