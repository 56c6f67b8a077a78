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
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocketServer, type WebSocket } from 'ws'
import { clipErrorMessage } from '../../shared/api'
import type { Backend } from '../services/app'
import { openFileRange } from '../media/file-range'
import { contentType, mediaVideoId } from '../security'
import { refuseApiRequest, refuseMediaRequest, sameToken, serverOrigins } from './guard'

export interface ServerOptions {
  backend: Pick<Backend, 'invoke' | 'subscribe'> & Partial<Pick<Backend, 'videoFile'>>
  /** 0 or absent: a free port */
  port?: number
  /** loopback only: '127.0.0.1' (default), 'localhost' or '::1'; anything else is rejected */
  host?: string
  /** default: 32 random bytes, hex */
  token?: string
  /** the built renderer; default: out/renderer next to the bundle or in the repository */
  rendererDir?: string
  /** largest accepted request body, bytes (default 4 MiB) */
  maxBodyBytes?: number
}

export interface RunningServer {
  /** http://127.0.0.1:PORT/?token=TOKEN */
  url: string
  origin: string
  port: number
  host: string
  token: string
  /** what the listening socket reports (address is always a loopback address) */
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
  const host = LOOPBACK.get(hostOpt)
  if (!host) {
    throw new Error(`web mode listens on the loopback interface only (127.0.0.1, localhost or ::1), not ${JSON.stringify(hostOpt)}`)
  }
  const port = opts.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${String(opts.port)}`)
  const token = opts.token ?? randomBytes(32).toString('hex')
  if (token.length < 16) throw new Error('the web-mode token must be at least 16 characters')
  const rendererDir = resolve(opts.rendererDir ?? defaultRendererDir())
  const maxBody = opts.maxBodyBytes ?? 4 * 1024 * 1024
  let boundPort = 0

  const hostAllowed = (req: IncomingMessage): boolean => {
    const h = (req.headers.host ?? '').toLowerCase()
    return [`127.0.0.1:${boundPort}`, `localhost:${boundPort}`, `[::1]:${boundPort}`].includes(h)
  }

  const serveStatic = (res: ServerResponse, pathname: string): void => {
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
      if (extname(file) === '.html') body = withToken(body, token)
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
    if (extname(file) === '.html') headers['content-security-policy'] = CSP
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

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      if (!hostAllowed(req)) return sendJson(res, 403, { error: { code: 'unauthorized', message: 'bad Host header' } })
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
        const refusal = refuseApiRequest(req, token, serverOrigins(boundPort))
        if (refusal) return sendError(res, refusal.status, refusal.code, refusal.message)
        const channel = url.pathname.slice('/api/'.length)
        let body: unknown = {}
        try {
          const text = await readBody(req, maxBody)
          body = text.trim() ? JSON.parse(text) : {}
        } catch (err) {
          const status = (err as { status?: number }).status ?? 400
          return sendError(res, status, 'invalid-request', `request body: ${err instanceof Error ? err.message : String(err)}`)
        }
        const result = await opts.backend.invoke(channel, body)
        if (result.ok) return sendJson(res, 200, result.value ?? null)
        return sendError(res, HTTP_STATUS[result.error.code] ?? 500, result.error.code, result.error.message)
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
      serveStatic(res, url.pathname)
    })().catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'internal', String(err))
      else res.destroy()
    })
  })

  // ---------------------------------------------------------------- events over WebSocket
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  const clients = new Set<WebSocket>()
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    if (url.pathname !== '/events') return refuse(404, 'Not Found')
    if (!hostAllowed(req)) return refuse(403, 'Forbidden')
    const origin = req.headers.origin
    if (origin && !hostAllowed({ headers: { host: origin.replace(/^https?:\/\//, '') } } as IncomingMessage)) {
      return refuse(403, 'Forbidden')
    }
    if (!sameToken(requestToken(req, url), token)) return refuse(401, 'Unauthorized')
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws)
      ws.on('close', () => clients.delete(ws))
      ws.on('error', () => clients.delete(ws))
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
  const urlHost = host.includes(':') ? `[${host}]` : host
  const origin = `http://${urlHost}:${boundPort}`

  let closing: Promise<void> | null = null
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port: boundPort,
    host,
    token,
    address,
    close() {
      closing ??= new Promise<void>((ok) => {
        unsubscribe()
        for (const ws of clients) ws.terminate()
        wss.close()
        server.close(() => ok())
        server.closeAllConnections()
      })
      return closing
    }
  }
}
