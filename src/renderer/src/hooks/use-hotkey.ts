import { useEffect, useEffectEvent } from 'react'

/** Calls `handler` when `key` is pressed outside text fields (so typing a note never drops a marker). */
export function useHotkey(key: string, handler: (event: KeyboardEvent) => void, isEnabled = true): void {
  const onHotkey = useEffectEvent(handler)
  useEffect(() => {
    if (!isEnabled) return
    const onKey = (event: KeyboardEvent) => {
      if (event.key.toLowerCase() !== key.toLowerCase() || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return
      const target = event.target as HTMLElement | null
      if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return
      event.preventDefault()
      onHotkey(event)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [key, isEnabled])
}
