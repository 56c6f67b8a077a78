// Web mode transport: POST /api/<channel> (JSON, token in a header) and a WebSocket at /events.
// The token comes from the <meta> the server puts in the page (or the first load's ?token=), and is then
// dropped from the address bar and the history entry, so it is not left on screen or in the history.
import type { Api, Channel, EventName, Events, Request, Response } from '@shared/api'
import { ApiError } from './errors'

const TOKEN_KEY = 'platedesk.token'

function readToken(): string {
  const url = new URL(location.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl !== null) {
    url.searchParams.delete('token')
    history.replaceState(history.state, '', url.pathname + url.search + url.hash)
  }
  const fromMeta = document.querySelector<HTMLMetaElement>('meta[name="platedesk-token"]')?.content
  const token = fromMeta || fromUrl || sessionStorage.getItem(TOKEN_KEY) || ''
  if (token) sessionStorage.setItem(TOKEN_KEY, token)
  return token
}

export interface WebApi extends Api {
  transport: 'web'
}

export function createWebClient(): WebApi {
  const token = readToken()
  const listeners = new Map<EventName, Set<(p: unknown) => void>>()
  const dispatch = (event: EventName, payload: unknown): void => {
    for (const cb of listeners.get(event) ?? []) {
      try {
        cb(payload)
      } catch (err) {
        console.error(`listener for ${event} failed`, err)
      }
    }
  }

  let socket: WebSocket | null = null
  let retry = 0
  let everConnected = false
  const connect = (): void => {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
    const ws = new WebSocket(`${proto}//${location.host}/events?token=${encodeURIComponent(token)}`)
    socket = ws
    ws.onopen = () => {
      // after a reconnect, events may have been missed: tell every view to refetch
      if (everConnected) dispatch('library.changed', { reason: 'import' })
      everConnected = true
      retry = 0
    }
    ws.onmessage = (m) => {
      try {
        const { event, payload } = JSON.parse(String(m.data)) as { event: EventName; payload: unknown }
        dispatch(event, payload)
      } catch {
        // ignore malformed frames
      }
    }
    ws.onclose = () => {
      if (socket !== ws) return
      socket = null
      const delay = Math.min(10_000, 250 * 2 ** retry++)
      setTimeout(connect, delay)
    }
  }
  connect()

  const call = async <C extends Channel>(channel: C, req: Request<C>): Promise<Response<C>> => {
    let res: globalThis.Response
    try {
      res = await fetch(`/api/${channel}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-platedesk-token': token },
        body: JSON.stringify(req ?? {})
      })
    } catch (err) {
      throw new ApiError('io', `the PlateDesk server does not answer (${err instanceof Error ? err.message : String(err)})`)
    }
    const text = await res.text()
    let body: unknown = null
    try {
      body = text ? JSON.parse(text) : null
    } catch {
      throw new ApiError('internal', `${channel}: bad response (${res.status})`)
    }
    if (!res.ok) {
      const e = (body as { error?: { code?: string; message?: string } } | null)?.error
      throw new ApiError((e?.code as ApiError['code']) ?? 'internal', e?.message ?? `${channel}: HTTP ${res.status}`)
    }
    return body as Response<C>
  }

  return {
    transport: 'web',
    call,
    on<E extends EventName>(event: E, cb: (payload: Events[E]) => void) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      const l = cb as (p: unknown) => void
      set.add(l)
      return () => {
        set.delete(l)
      }
    }
  }
}
