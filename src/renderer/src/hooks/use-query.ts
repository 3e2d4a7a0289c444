/**
 * Loads data for a page: `data` stays on screen while a reload runs (no flicker on polling or paging),
 * `error` holds the station's `detail`, and an unmounted page never gets a late state update.
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError } from '../api/http'

export interface QueryState<T> {
  data: T | undefined
  error: ApiError | null
  /** True until the first answer for the current arguments (not during background polling). */
  isLoading: boolean
  reload(): Promise<void>
}

export function useQuery<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[], options: { intervalMs?: number; enabled?: boolean } = {}): QueryState<T> {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState<ApiError | null>(null)
  const key = JSON.stringify(deps)
  const [settledKey, setSettledKey] = useState<string | null>(null)
  const controllerRef = useRef<AbortController | null>(null)
  const isEnabled = options.enabled !== false
  // The newest `load` and arguments, for polling and reload(); refreshed before the loading effect runs.
  const loadRef = useRef(load)
  const keyRef = useRef(key)
  useEffect(() => {
    loadRef.current = load
    keyRef.current = key
  })

  const run = useCallback(async (forKey: string) => {
    controllerRef.current?.abort()
    const controller = new AbortController()
    controllerRef.current = controller
    try {
      const value = await loadRef.current(controller.signal)
      if (controller.signal.aborted) return
      setData(value)
      setError(null)
    } catch (err) {
      if (controller.signal.aborted || (err as Error).name === 'AbortError') return
      setError(err instanceof ApiError ? err : new ApiError(0, 'INTERNAL', (err as Error).message))
    } finally {
      if (!controller.signal.aborted) setSettledKey(forKey)
    }
  }, [])

  useEffect(() => {
    if (!isEnabled) return
    void run(key)
    const timer = options.intervalMs ? setInterval(() => void run(key), options.intervalMs) : undefined
    return () => {
      clearInterval(timer)
      controllerRef.current?.abort()
    }
  }, [key, options.intervalMs, isEnabled, run])

  const reload = useCallback(() => run(keyRef.current), [run])
  return { data, error, isLoading: isEnabled && settledKey !== key, reload }
}
