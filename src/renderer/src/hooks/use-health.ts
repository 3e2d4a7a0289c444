import { useEffect, useState } from 'react'
import type { HealthResponse } from '@shared/schemas/health'

/** Polls the public health endpoint: station identity, headset state, and whether the station is reachable. */
export function useHealth(intervalMs = 2000): { health: HealthResponse | null; isReachable: boolean | null } {
  const [health, setHealth] = useState<HealthResponse | null>(null)
  const [isReachable, setIsReachable] = useState<boolean | null>(null)
  useEffect(() => {
    let isCancelled = false
    const poll = async () => {
      try {
        const response = await fetch('/api/v1/health')
        if (!response.ok) throw new Error(String(response.status))
        const body = (await response.json()) as HealthResponse
        if (isCancelled) return
        setHealth(body)
        setIsReachable(true)
      } catch {
        if (!isCancelled) setIsReachable(false)
      }
    }
    void poll()
    const timer = setInterval(poll, intervalMs)
    return () => {
      isCancelled = true
      clearInterval(timer)
    }
  }, [intervalMs])
  return { health, isReachable }
}
