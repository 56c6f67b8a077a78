// Web mode: the same API as the Electron preload, over HTTP + WebSocket, for a browser on this machine.
//   GET  /?token=T    sets a same-site cookie and redirects (303) to the same address without the token
//   GET  /            the built renderer (out/renderer), with the token in a <meta>
//   POST /api/<channel>  JSON request body → 200 JSON response, or 4xx/5xx { error: { code, message } }
//   GET  /events      WebSocket; every backend event as JSON { event, payload }
//   GET  /media/<id>/video  a library video for the player, with byte ranges (206); same-origin only
// Listens on loopback only, and every request must carry the random token. Page and asset GETs may use the
// query (?token=, the first load only: it is redirected away) or the HttpOnly cookie that load sets; the
// page gets the token in a <meta> so it can send it. API calls must send it in a header, as JSON, from
// this origin (guard.ts: the cookie rides along on other loopback ports' requests too). The Host header
// must name the loopback address, so a DNS-rebinding page cannot reach the API.
// Team mode (the library has accounts, services/accounts.ts): the token gives way to sign-in. The page and
// its assets load for anyone (they hold no data); everything else needs the session cookie (HttpOnly,
// SameSite=Strict, Secure under TLS), API calls also the session's anti-forgery header, and each call
// runs as its account (services/caller.ts: roles, history authors).
//   GET  /auth/session   who is signed in: { teamMode, user, role, csrf } (401 when nobody)
//   POST /auth/login     { name, password } → the cookie; failures limited per address and name
//   POST /auth/logout
// Only team mode may listen beyond loopback, and only over TLS (https + wss).
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { isIP } from 'node:net'
import { networkInterfaces } from 'node:os'
import type { AddressInfo, Socket } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocketServer, type WebSocket } from 'ws'
import { clipErrorMessage } from '../../shared/api'
import type { Backend } from '../services/app'
import { openFileRange } from '../media/file-range'
import { contentType, mediaVideoId } from '../security'
import { runAs, type Caller } from '../services/caller'
import type { Accounts } from '../services/accounts'
import { isLoopbackHost, refuseApiRequest, refuseCrossOrigin, refuseMediaRequest, sameToken, serverHosts } from './guard'
import { antiForgeryToken, clearedCookie, LoginLimiter, readCookie, sessionCookie, sessionCookieName, type LoginLimitOptions } from './sessions'

export interface ServerOptions {
  backend: Pick<Backend, 'invoke' | 'subscribe'> & Partial<Pick<Backend, 'videoFile' | 'accounts'>>
  /** 0 or absent: a free port */
  port?: number
  /** '127.0.0.1' (default), 'localhost' or '::1'; another address (0.0.0.0, ::, a LAN IP) only in team
   *  mode (the library has accounts) and with tls */
  host?: string
  /** PEM certificate and key: https and wss instead of http and ws */
  tls?: { cert: string | Buffer; key: string | Buffer }
  /** more names the Host header may carry (the name people type for this machine on the LAN) */
  publicHosts?: string[]
  /** team mode: failed sign-ins allowed (default 5 per address and name, 30 per address, in 15 min) */
  loginLimit?: Partial<LoginLimitOptions>
  /** default: 32 random bytes, hex */
  token?: string
  /** the built renderer; default: out/renderer next to the bundle or in the repository */
  rendererDir?: string
  /** largest accepted request body, bytes (default 4 MiB) */
  maxBodyBytes?: number
}

export interface RunningServer {
  /** http://127.0.0.1:PORT/?token=TOKEN (team mode: the origin, no token: people sign in) */
  url: string
  /** the library had accounts when the server started */
  teamMode: boolean
  origin: string
  port: number
  host: string
  token: string
  /** what the listening socket reports (a loopback address unless team mode over TLS) */
  address: AddressInfo
  close(): Promise<void>
}

const LOOPBACK = new Map([
  ['127.0.0.1', '127.0.0.1'],
  ['localhost', '127.0.0.1'],
  ['::1', '::1']
])
const COOKIE = 'platedesk_token'
const CSP =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; " +
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
/** the page's policy when served under another (already checked) Host: its own ws/wss origin */
const cspFor = (host: string, tls: boolean): string => CSP.replace("ws://127.0.0.1:* ws://localhost:*", `${tls ? 'wss' : 'ws'}://${host}`)

/** out/renderer relative to this module, in the source tree (src/main/server) or the bundle (out/main). */
export function defaultRendererDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url))
  // only built renderers (out/renderer): src/renderer/index.html is the un-bundled source
  const candidates = [
    resolve(here, '../../../out/renderer'), // src/main/server (tsx)
    resolve(here, '../renderer'), // out/main/*.js
    resolve(here, '../../renderer'), // out/main/chunks/*.js
    resolve(process.cwd(), 'out/renderer')
  ].filter((d) => d.split(sep).slice(-2).join('/') === 'out/renderer')
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[candidates.length - 1]
}

function cookieToken(req: IncomingMessage): string | null {
  const header = req.headers.cookie
  if (!header) return null
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === COOKIE) return decodeURIComponent(v.join('='))
  }
  return null
}

/** GETs and the event socket: header, query or cookie (API calls: guard.ts, header only). */
function requestToken(req: IncomingMessage, url: URL): string | null {
  const header = req.headers['x-platedesk-token']
  if (typeof header === 'string') return header
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return auth.slice(7)
  return url.searchParams.get('token') ?? cookieToken(req)
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message: clipErrorMessage(message) } })
}

/** The page learns its token from a <meta> (the URL's ?token= is dropped after the first load). */
function withToken(html: Buffer, token: string): Buffer {
  const attr = token.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`)
  return Buffer.from(html.toString('utf8').replace(/<head>/i, `<head><meta name="platedesk-token" content="${attr}">`))
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(data),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff'
  })
  res.end(data)
}

const HTTP_STATUS: Record<string, number> = {
  'invalid-request': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  engine: 500,
  io: 500,
  internal: 500
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) throw Object.assign(new Error(`request body over ${limit} bytes`), { status: 413 })
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const hostOpt = opts.host ?? '127.0.0.1'
  const tls = !!opts.tls
  const accounts: Accounts | undefined = opts.backend.accounts
  const teamMode = (): boolean => !!accounts?.enabled()
  let host = LOOPBACK.get(hostOpt)
  if (!host) {
    if (!isIP(hostOpt)) throw new Error(`--host must be an IP address (or localhost), not ${JSON.stringify(hostOpt)}`)
    if (!teamMode()) {
      throw new Error(
        `web mode without accounts listens on the loopback interface only (127.0.0.1, localhost or ::1), not ${hostOpt}: ` +
          'add an admin first (platedesk users add NAME --role admin --db FILE) so that everyone must sign in'
      )
    }
    if (!tls && !isLoopbackHost(hostOpt)) {
      throw new Error(`serving beyond loopback (${hostOpt}) needs TLS, so passwords and sessions never cross the network in clear: give --tls-cert and --tls-key, or --tls-self-signed`)
    }
    host = hostOpt
  }
  const port = opts.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${String(opts.port)}`)
  const token = opts.token ?? randomBytes(32).toString('hex')
  if (token.length < 16) throw new Error('the web-mode token must be at least 16 characters')
  const rendererDir = resolve(opts.rendererDir ?? defaultRendererDir())
  const maxBody = opts.maxBodyBytes ?? 4 * 1024 * 1024
  let boundPort = 0
  let allowed: ReturnType<typeof serverHosts> = { hosts: new Set(), origins: [] }
  const limiter = new LoginLimiter(opts.loginLimit)
  const cookieName = sessionCookieName(tls)

  const hostAllowed = (req: IncomingMessage): boolean => allowed.hosts.has((req.headers.host ?? '').toLowerCase())
  /** team mode: the signed-in account of this request's cookie, with its session token */
  const signedIn = (req: IncomingMessage): { caller: Caller; token: string } | null => {
    const t = readCookie(req, cookieName)
    const who = t && accounts ? accounts.session(t) : null
    return who && t ? { caller: who, token: t } : null
  }

  const serveStatic = (req: IncomingMessage, res: ServerResponse, pathname: string, pageToken: string): void => {
    let rel: string
    try {
      rel = decodeURIComponent(pathname)
    } catch {
      return sendJson(res, 400, { error: { code: 'invalid-request', message: 'bad path' } })
    }
    if (rel === '/' || rel === '') rel = '/index.html'
    const file = normalize(join(rendererDir, rel))
    if (!file.startsWith(rendererDir + sep)) return sendJson(res, 404, { error: { code: 'not-found', message: 'not found' } })
    let body: Buffer
    try {
      if (!statSync(file).isFile()) throw new Error('not a file')
      body = readFileSync(file)
      if (extname(file) === '.html') body = withToken(body, pageToken)
    } catch {
      if (rel === '/index.html') {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
        res.end(`PlateDesk: the renderer is not built (no ${join(rendererDir, 'index.html')}). Run \`npm run build\` first.\n`)
        return
      }
      return sendError(res, 404, 'not-found', `not found: ${rel}`)
    }
    const headers: Record<string, string> = {
      'content-type': contentType(file),
      'content-length': String(body.length),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cache-control': extname(file) === '.html' ? 'no-store' : 'private, max-age=3600'
    }
    if (extname(file) === '.html') headers['content-security-policy'] = cspFor((req.headers.host ?? '').toLowerCase(), tls)
    res.writeHead(200, headers)
    res.end(body)
  }

  /** a library video, by its media id only (never a path from the request), in byte ranges */
  const serveVideo = (req: IncomingMessage, res: ServerResponse, mediaId: number): void => {
    const refusal = refuseMediaRequest(req)
    if (refusal) return sendError(res, refusal.status, refusal.code, refusal.message)
    const file = opts.backend.videoFile?.(mediaId) ?? null
    if (!file) return sendError(res, 404, 'not-found', `media ${mediaId} is no video of this library (or its file is gone)`)
    let r: ReturnType<typeof openFileRange>
    try {
      r = openFileRange(file, req.headers.range, contentType(file), { head: req.method === 'HEAD' })
    } catch (err) {
      return sendError(res, 500, 'io', `${file}: ${err instanceof Error ? err.message : String(err)}`)
    }
    res.writeHead(r.status, r.headers)
    if (!r.body) return void res.end()
    r.body.on('error', () => res.destroy())
    res.on('close', () => r.body?.destroy())
    r.body.pipe(res)
  }

  const invokeApi = async (req: IncomingMessage, res: ServerResponse, url: URL, caller: Caller | null): Promise<void> => {
    const channel = url.pathname.slice('/api/'.length)
    let body: unknown = {}
    try {
      const text = await readBody(req, maxBody)
      body = text.trim() ? JSON.parse(text) : {}
    } catch (err) {
      const status = (err as { status?: number }).status ?? 400
      return sendError(res, status, 'invalid-request', `request body: ${err instanceof Error ? err.message : String(err)}`)
    }
    const result = caller ? await runAs(caller, () => opts.backend.invoke(channel, body)) : await opts.backend.invoke(channel, body)
    if (result.ok) return sendJson(res, 200, result.value ?? null)
    return sendError(res, HTTP_STATUS[result.error.code] ?? 500, result.error.code, result.error.message)
  }

  /** team mode: sign-in, sign-out, who am I; the API, media and the page behind the session cookie */
  const handleTeam = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const who = signedIn(req)
    if (url.pathname === '/auth/session') {
      if (!who) return sendJson(res, 401, { teamMode: true, user: null, error: { code: 'unauthorized', message: 'sign in first' } })
      return sendJson(res, 200, { teamMode: true, user: who.caller.user, role: who.caller.role, csrf: antiForgeryToken(who.token) })
    }
    if (url.pathname === '/auth/login' || url.pathname === '/auth/logout') {
      if (req.method !== 'POST') return sendError(res, 405, 'invalid-request', 'use POST')
      const refusal = refuseCrossOrigin(req, allowed.origins)
      if (refusal) return sendError(res, refusal.status, refusal.code, refusal.message)
      if (url.pathname === '/auth/logout') {
        if (who) {
          accounts!.signOut(who.token)
          closeSockets(who.token)
        }
        res.setHeader('set-cookie', clearedCookie(cookieName, tls))
        return sendJson(res, 200, { signedOut: true })
      }
      let creds: { name?: unknown; password?: unknown }
      try {
        creds = JSON.parse(await readBody(req, 16 * 1024)) as typeof creds
      } catch (err) {
        return sendError(res, (err as { status?: number }).status ?? 400, 'invalid-request', 'send { "name": …, "password": … } as JSON')
      }
      const name = typeof creds?.name === 'string' ? creds.name.slice(0, 64) : ''
      const password = typeof creds?.password === 'string' ? creds.password.slice(0, 1024) : ''
      const address = req.socket.remoteAddress ?? '?'
      const wait = limiter.retryAfter(address, name)
      if (wait > 0) {
        res.setHeader('retry-after', String(wait))
        return sendError(res, 429, 'unauthorized', `too many failed sign-ins: try again in ${Math.ceil(wait / 60)} minute(s)`)
      }
      // counted before the (slow) hash check, so parallel guesses cannot all slip under the limit
      limiter.failed(address, name)
      const signed = name && password ? await accounts!.signIn(name, password) : null
      if (!signed) return sendError(res, 401, 'unauthorized', 'wrong name or password')
      limiter.succeeded(address, name)
      res.setHeader('set-cookie', sessionCookie(cookieName, signed.token, { tls, maxAgeS: accounts!.policy.absoluteMs / 1000 }))
      return sendJson(res, 200, { teamMode: true, user: signed.user.user, role: signed.user.role, csrf: antiForgeryToken(signed.token) })
    }
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST')
        return sendJson(res, 405, { error: { code: 'invalid-request', message: 'use POST' } })
      }
      if (!who) return sendError(res, 401, 'unauthorized', 'sign in first (your session ended or never began)')
      const refusal = refuseApiRequest(req, antiForgeryToken(who.token), allowed.origins)
      if (refusal) return sendError(res, refusal.status, refusal.code, refusal.message)
      return invokeApi(req, res, url, who.caller)
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendJson(res, 405, { error: { code: 'invalid-request', message: 'method not allowed' } })
    }
    const videoId = mediaVideoId(url.pathname)
    if (videoId !== null) {
      if (!who) return sendError(res, 401, 'unauthorized', 'sign in first')
      return runAs(who.caller, () => serveVideo(req, res, videoId))
    }
    // the page and its assets: the sign-in screen is part of the app; a signed-in page gets its header token
    serveStatic(req, res, url.pathname, who ? antiForgeryToken(who.token) : '')
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      if (!hostAllowed(req)) return sendJson(res, 403, { error: { code: 'unauthorized', message: 'bad Host header' } })
      if (teamMode()) return handleTeam(req, res, url)
      if (url.pathname === '/auth/session' && sameToken(requestToken(req, url), token)) return sendJson(res, 200, { teamMode: false })
      const given = requestToken(req, url)
      if (!sameToken(given, token)) {
        if (req.method === 'GET' && !url.pathname.startsWith('/api/') && (req.headers.accept ?? '').includes('text/html')) {
          // a person opened the address without its token: say what to do instead of a bare 401
          res.writeHead(401, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'", 'cache-control': 'no-store' })
          res.end(
            '<!doctype html><meta charset="utf-8"><title>PlateDesk</title><body style="font-family:sans-serif;max-width:40em;margin:4em auto">' +
              '<h1>PlateDesk</h1><p>This address needs its access token. Open the full URL that <code>platedesk serve</code> ' +
              '(or <code>npm start</code>) printed, the one ending in <code>?token=…</code>.</p></body>'
          )
          return
        }
        return sendJson(res, 401, { error: { code: 'unauthorized', message: 'missing or wrong token' } })
      }
      if (url.pathname.startsWith('/api/')) {
        if (req.method !== 'POST') {
          res.setHeader('allow', 'POST')
          return sendJson(res, 405, { error: { code: 'invalid-request', message: 'use POST' } })
        }
        const refusal = refuseApiRequest(req, token, allowed.origins)
        if (refusal) return sendError(res, refusal.status, refusal.code, refusal.message)
        return invokeApi(req, res, url, null)
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return sendJson(res, 405, { error: { code: 'invalid-request', message: 'method not allowed' } })
      }
      if (url.searchParams.has('token')) {
        // the address the CLI printed: set the cookie and move to the same address without the token, so
        // it is not left in the address bar (the page gets it from its <meta>)
        url.searchParams.delete('token')
        res.writeHead(303, {
          // one leading slash: '//host' would be a redirect to another host
          location: `/${url.pathname.replace(/^\/+/, '')}${url.search}`,
          'set-cookie': `${COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`,
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer'
        })
        res.end()
        return
      }
      const videoId = mediaVideoId(url.pathname)
      if (videoId !== null) return serveVideo(req, res, videoId)
      serveStatic(req, res, url.pathname, token)
    })().catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'internal', String(err))
      else res.destroy()
    })
  }
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : createHttpServer(handler)

  // ---------------------------------------------------------------- events over WebSocket
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  const clients = new Set<WebSocket>()
  /** team mode: each socket's session token, so sign-out and expiry close it */
  const socketSession = new Map<WebSocket, string>()
  const closeSockets = (sessionToken: string): void => {
    for (const [ws, t] of socketSession) if (t === sessionToken) ws.close(4001, 'signed out')
  }
  // a session that ends elsewhere (expiry, a removed or demoted account) closes its sockets within a minute
  const sweep = setInterval(() => {
    for (const [ws, t] of socketSession) if (!accounts?.session(t)) ws.close(4001, 'session ended')
  }, 60_000)
  sweep.unref()
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    if (url.pathname !== '/events') return refuse(404, 'Not Found')
    if (!hostAllowed(req)) return refuse(403, 'Forbidden')
    const origin = req.headers.origin
    if (origin && !allowed.origins.includes(origin.toLowerCase())) return refuse(403, 'Forbidden')
    let session: string | null = null
    if (teamMode()) {
      const who = signedIn(req)
      if (!who || !sameToken(url.searchParams.get('token'), antiForgeryToken(who.token))) return refuse(401, 'Unauthorized')
      session = who.token
    } else if (!sameToken(requestToken(req, url), token)) return refuse(401, 'Unauthorized')
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws)
      if (session) socketSession.set(ws, session)
      const drop = (): void => {
        clients.delete(ws)
        socketSession.delete(ws)
      }
      ws.on('close', drop)
      ws.on('error', drop)
      ws.on('message', () => undefined) // the channel is one-way; pings are answered by ws itself
    })
  })
  const unsubscribe = opts.backend.subscribe((event, payload) => {
    if (clients.size === 0) return
    const data = JSON.stringify({ event, payload })
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(data)
  })

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen({ port, host }, () => {
      server.off('error', fail)
      ok()
    })
  })
  const address = server.address() as AddressInfo
  boundPort = address.port
  allowed = serverHosts(host, boundPort, tls, opts.publicHosts)
  // the address people open: a --public-host name, else (bound to every interface) one of this machine's
  const lan = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address
  const shown = opts.publicHosts?.[0] ?? (host === '0.0.0.0' || host === '::' ? (lan ?? '127.0.0.1') : host)
  const urlHost = shown.includes(':') ? `[${shown}]` : shown
  const origin = `${tls ? 'https' : 'http'}://${urlHost}:${boundPort}`
  const startedTeam = teamMode()

  let closing: Promise<void> | null = null
  return {
    url: startedTeam ? `${origin}/` : `${origin}/?token=${token}`,
    teamMode: startedTeam,
    origin,
    port: boundPort,
    host,
    token,
    address,
    close() {
      closing ??= new Promise<void>((ok) => {
        unsubscribe()
        clearInterval(sweep)
        for (const ws of clients) ws.terminate()
        wss.close()
        server.close(() => ok())
        server.closeAllConnections()
      })
      return closing
    }
  }
}
