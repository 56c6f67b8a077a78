// Web mode transport: POST /api/<channel> (JSON, token in a header) and a WebSocket at /events.
// The token comes from the <meta> the server puts in the page (or the first load's ?token=), and is then
// dropped from the address bar and the history entry, so it is not left on screen or in the history.
import type { Api, Channel, EventName, Events, Request, Response } from '@shared/api'
import type { Role } from '@shared/roles'
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

/** Who uses the app: team mode (the library has accounts) needs a signed-in account. */
export type AuthState = { teamMode: false } | { teamMode: true; user: string; role: Role } | { teamMode: true; user: null }

export interface Auth {
  /** asks the server who is signed in (and takes the session's header token) */
  state(): Promise<AuthState>
  signIn(name: string, password: string): Promise<AuthState>
  signOut(): Promise<void>
  /** called when a call finds the session gone (expired, signed out elsewhere, account changed) */
  onSignedOut(cb: () => void): () => void
}

export interface WebApi extends Api {
  transport: 'web'
  auth: Auth
}

export function createWebClient(): WebApi {
  let token = readToken()
  let teamMode = false
  const signedOutListeners = new Set<() => void>()
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
  let timer: ReturnType<typeof setTimeout> | undefined
  const connect = (): void => {
    clearTimeout(timer)
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
      timer = setTimeout(connect, delay)
    }
  }
  // team mode connects once signed in (the socket needs the session); else at once, as before
  const reconnect = (): void => {
    const old = socket
    socket = null
    old?.close()
    retry = 0
    connect()
  }
  if (token) connect()

  const authRequest = async (path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    let res: globalThis.Response
    try {
      res = await fetch(path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { 'x-platedesk-token': token } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
    } catch (err) {
      throw new ApiError('io', `the PlateDesk server does not answer (${err instanceof Error ? err.message : String(err)})`)
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>
    return { status: res.status, json }
  }
  const toState = (json: Record<string, unknown>): AuthState => {
    if (json.teamMode !== true) return { teamMode: false }
    if (typeof json.user !== 'string') return { teamMode: true, user: null }
    return { teamMode: true, user: json.user, role: json.role as Role }
  }
  const auth: Auth = {
    async state() {
      const { status, json } = await authRequest('/auth/session')
      if (status !== 200 && status !== 401) throw new ApiError('internal', `/auth/session: HTTP ${status}`)
      const st = toState(json)
      teamMode = st.teamMode
      if (st.teamMode && st.user && typeof json.csrf === 'string' && json.csrf !== token) {
        token = json.csrf
        reconnect()
      } else if (st.teamMode && !st.user) {
        // nobody signed in: no socket until someone is
        const old = socket
        socket = null
        old?.close()
        clearTimeout(timer)
      }
      return st
    },
    async signIn(name, password) {
      const { status, json } = await authRequest('/auth/login', { name, password })
      if (status !== 200) {
        const e = json.error as { code?: string; message?: string } | undefined
        throw new ApiError('unauthorized', e?.message ?? `sign-in failed (HTTP ${status})`)
      }
      teamMode = true
      token = String(json.csrf)
      sessionStorage.setItem(TOKEN_KEY, token)
      reconnect()
      return toState(json)
    },
    async signOut() {
      await authRequest('/auth/logout', {})
      token = ''
      sessionStorage.removeItem(TOKEN_KEY)
      const old = socket
      socket = null
      old?.close()
      clearTimeout(timer)
    },
    onSignedOut(cb) {
      signedOutListeners.add(cb)
      return () => signedOutListeners.delete(cb)
    }
  }

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
      if (res.status === 401 && teamMode) for (const cb of signedOutListeners) cb()
      throw new ApiError((e?.code as ApiError['code']) ?? 'internal', e?.message ?? `${channel}: HTTP ${res.status}`)
    }
    return body as Response<C>
  }

  return {
    transport: 'web',
    auth,
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
