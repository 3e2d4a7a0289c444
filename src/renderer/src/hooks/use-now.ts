import { useEffect, useState } from 'react'

/** The current time, re-read every `intervalMs` (for running clocks such as a session's duration). */
export function useNow(intervalMs = 1000): number {
  const [nowMs, setNowMs] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNowMs(Date.now()), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs])
  return nowMs
}
