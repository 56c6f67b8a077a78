import { useEffect, useRef } from 'react'
import type { EventName, Events } from '@shared/api'
import { api } from '../api/client'

/** Subscribes to a backend event for the component's lifetime (the latest callback is always used). */
export function useEvent<E extends EventName>(event: E, cb: (payload: Events[E]) => void, enabled = true): void {
  const ref = useRef(cb)
  ref.current = cb
  useEffect(() => {
    if (!enabled) return
    return api.on(event, (p) => ref.current(p))
  }, [event, enabled])
}
