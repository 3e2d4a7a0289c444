import { useState } from 'react'
import { usersApi } from '../api/endpoints'
import { ApiError } from '../api/http'
import { ROLES, type Role, type User } from '../api/types'
import { useAuth } from '../auth/auth-context'
import { Badge, ConfirmDialog, EmptyState, ErrorNote, Skeleton, formatTime } from '../components/ui/ui'
import { useQuery } from '../hooks/use-query'

const PAGE_SIZE = 50

export function UsersPage() {
  const { user: me, can } = useAuth()
  const [page, setPage] = useState(0)
  const users = useQuery(() => usersApi.list(page * PAGE_SIZE, PAGE_SIZE), [page], { enabled: can('admin') })
  const [error, setError] = useState<Error | null>(null)
  const [deactivating, setDeactivating] = useState<User | null>(null)

  if (!can('admin')) return <ErrorNote error={new Error('Only administrators can manage users.')} />

  const update = async (user: User, patch: { role?: Role; is_active?: boolean }) => {
    setError(null)
    try {
      await usersApi.update(user.id, patch)
      await users.reload()
    } catch (err) {
      setError(err instanceof ApiError ? err : new Error((err as Error).message))
    }
  }

  const list = users.data?.data ?? []
  const count = users.data?.count ?? 0
  return (
    <div className="page" data-testid="users-page">
      <h1>Users</h1>
      <ErrorNote error={error ?? users.error} onRetry={users.error ? () => void users.reload() : undefined} />
      {users.isLoading && !users.data ? (
        <Skeleton lines={5} label="Loading users" />
      ) : list.length === 0 ? (
        <EmptyState title="No users" />
      ) : (
        <table className="table" data-testid="users-table">
          <thead>
            <tr>
              <th>Email</th>
              <th>Name</th>
              <th>Role</th>
              <th>Status</th>
              <th>Created</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {list.map((user) => {
              const isMe = user.id === me?.id
              return (
                <tr key={user.id} data-testid="user-row">
                  <td data-label="Email">{user.email}</td>
                  <td data-label="Name">{user.full_name || '—'}</td>
                  <td data-label="Role">
                    <select
                      aria-label={`Role of ${user.email}`}
                      value={user.role}
                      disabled={isMe}
                      title={isMe ? 'You cannot change your own role' : undefined}
                      onChange={(e) => void update(user, { role: e.target.value as Role })}
                      data-testid="user-role"
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td data-label="Status">{user.is_active ? <Badge tone="ok">active</Badge> : <Badge tone="muted">deactivated</Badge>}</td>
                  <td data-label="Created">{formatTime(user.created_at)}</td>
                  <td>
                    {!isMe &&
                      (user.is_active ? (
                        <button type="button" className="btn btn-small btn-danger" onClick={() => setDeactivating(user)}>
                          Deactivate
                        </button>
                      ) : (
                        <button type="button" className="btn btn-small" onClick={() => void update(user, { is_active: true })}>
                          Reactivate
                        </button>
                      ))}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      {count > PAGE_SIZE && (
        <nav className="pager" aria-label="Pages">
          <button type="button" className="btn btn-small" disabled={page === 0} onClick={() => setPage(page - 1)}>
            ← Previous
          </button>
          <span>
            Page {page + 1} of {Math.ceil(count / PAGE_SIZE)}
          </span>
          <button type="button" className="btn btn-small" disabled={(page + 1) * PAGE_SIZE >= count} onClick={() => setPage(page + 1)}>
            Next →
          </button>
        </nav>
      )}
      {deactivating && (
        <ConfirmDialog
          title={`Deactivate ${deactivating.email}?`}
          confirmLabel="Deactivate"
          isDanger
          onConfirm={() => {
            const target = deactivating
            setDeactivating(null)
            void update(target, { is_active: false })
          }}
          onCancel={() => setDeactivating(null)}
        >
          <p>They are signed out and cannot sign in until reactivated. Their sessions and data stay.</p>
        </ConfirmDialog>
      )}
    </div>
  )
}
