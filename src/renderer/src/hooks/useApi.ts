import { useCallback, useEffect, useRef, useState } from 'react'
import type { Channel, Events, Request, Response } from '@shared/api'
import { api, ApiError } from '../api/client'
import { useNotify } from '../components/Notify'
import { useEvent } from './useEvent'

export interface ApiState<T> {
  data: T | undefined
  error: ApiError | null
  loading: boolean
  reload: () => void
}

type LibraryChange = Events['library.changed']

/** for `live`: every change except single review decisions (which cannot change, e.g., app.info) */
export const notOnReview = (e: LibraryChange): boolean => e.reason !== 'review'

/**
 * Fetches `channel` with `req` (null = skip) and refetches when the request changes or, with
 * `live`, whenever the library changes (or the changes `live` accepts). The previous data stays while a
 * reload is in flight.
 */
export function useApi<C extends Channel>(
  channel: C,
  req: Request<C> | null,
  opts: { live?: boolean | ((e: LibraryChange) => boolean) } = {}
): ApiState<Response<C>> {
  const [data, setData] = useState<Response<C>>()
  const [error, setError] = useState<ApiError | null>(null)
  const [loading, setLoading] = useState(req !== null)
  const [tick, setTick] = useState(0)
  const key = req === null ? null : JSON.stringify(req)
  const seq = useRef(0)

  useEffect(() => {
    if (key === null) {
      setLoading(false)
      return
    }
    const mine = ++seq.current
    setLoading(true)
    api
      .call(channel, JSON.parse(key) as Request<C>)
      .then((r) => {
        if (mine !== seq.current) return
        setData(r)
        setError(null)
      })
      .catch((err: unknown) => {
        if (mine !== seq.current) return
        setError(ApiError.from(err))
      })
      .finally(() => {
        if (mine === seq.current) setLoading(false)
      })
  }, [channel, key, tick])

  const reload = useCallback(() => setTick((t) => t + 1), [])
  const live = opts.live
  useEvent(
    'library.changed',
    (e) => {
      if (typeof live !== 'function' || live(e)) reload()
    },
    !!live
  )
  return { data, error, loading, reload }
}

/** Returns a caller for mutations: failures are shown in the snackbar and rethrown as ApiError. */
export function useCall(): <C extends Channel>(channel: C, req: Request<C>) => Promise<Response<C>> {
  const notify = useNotify()
  return useCallback(
    async <C extends Channel>(channel: C, req: Request<C>) => {
      try {
        return await api.call(channel, req)
      } catch (err) {
        const e = ApiError.from(err)
        notify(`${e.message}`, 'error')
        throw e
      }
    },
    [notify]
  )
}
