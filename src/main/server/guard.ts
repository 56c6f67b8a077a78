// What a state-changing API request (POST /api/<channel>) must prove: that the app's own page sent it.
// A page on another loopback port is the *same site* as web mode, so the SameSite=Strict cookie rides
// along on its no-cors fetches and text/plain form posts: the cookie alone never authorises a call.
// Required instead, each enough on its own against such a page:
//   - the token in a header (x-platedesk-token or Authorization: Bearer): a form or a no-cors fetch cannot
//     set one, and only the app's page knows the token;
//   - Content-Type application/json: a form cannot send it, and a fetch that does needs a CORS preflight
//     this server never grants;
//   - Origin and Sec-Fetch-Site, when the browser sends them, naming this very server.
// Non-browser clients (the CLI, tests, curl) send neither Origin nor Sec-Fetch-Site and pass with the header.
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { networkInterfaces } from 'node:os'

export interface Refusal {
  status: 401 | 403 | 415
  code: 'unauthorized' | 'invalid-request'
  message: string
}

export function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The token from a header only (never the cookie, never the query string). */
export function headerToken(req: IncomingMessage): string | null {
  const header = req.headers['x-platedesk-token']
  if (typeof header === 'string') return header
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return auth.slice(7)
  return null
}

/** The origins of this server (one per loopback name it answers to), e.g. http://127.0.0.1:PORT. */
export function serverOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/**
 * The Host headers this server answers (lower case, "name:port", and the bare name on https's 443), and
 * the matching origins for the Origin check. A page served under any other name is a DNS-rebinding
 * attempt (or a misconfiguration) and gets nothing. Loopback names when bound to loopback or to every
 * interface; the bound address; with 0.0.0.0 or :: every address of this machine; plus the names
 * given with --public-host.
 */
export function serverHosts(bind: string, port: number, tls: boolean, publicHosts: readonly string[] = []): { hosts: Set<string>; origins: string[] } {
  const names = new Set<string>()
  const wildcard = bind === '0.0.0.0' || bind === '::'
  if (wildcard || isLoopbackHost(bind)) for (const n of ['127.0.0.1', 'localhost', '::1']) names.add(n)
  if (!wildcard) names.add(bind)
  if (wildcard) {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address.replace(/%.*$/, ''))
  }
  for (const h of publicHosts) names.add(h.toLowerCase())
  const hosts = new Set<string>()
  const origins: string[] = []
  const scheme = tls ? 'https' : 'http'
  for (const n of names) {
    const name = n.includes(':') ? `[${n.toLowerCase()}]` : n.toLowerCase()
    hosts.add(`${name}:${port}`)
    origins.push(`${scheme}://${name}:${port}`)
    if (tls && port === 443) {
      hosts.add(name)
      origins.push(`${scheme}://${name}`)
    }
  }
  return { hosts, origins }
}

/** Origin and Sec-Fetch-Site only (the team-mode sign-in, which has no token yet): null when they pass. */
export function refuseCrossOrigin(req: IncomingMessage, origins: string[]): Refusal | null {
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin') {
    return { status: 403, code: 'unauthorized', message: `cross-origin request refused (Sec-Fetch-Site: ${String(site).slice(0, 40)})` }
  }
  const origin = req.headers.origin
  if (origin !== undefined && !origins.includes(origin.toLowerCase())) {
    return { status: 403, code: 'unauthorized', message: `cross-origin request refused (Origin: ${origin.slice(0, 100)})` }
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json') {
    return { status: 415, code: 'invalid-request', message: `send the request body as Content-Type: application/json, not ${JSON.stringify(type.slice(0, 60) || 'none')}` }
  }
  return null
}

/** null when the request may reach the API, else why not: the token, then the checks of refuseCrossOrigin. */
export function refuseApiRequest(req: IncomingMessage, token: string, origins: string[]): Refusal | null {
  if (!sameToken(headerToken(req), token)) {
    return { status: 401, code: 'unauthorized', message: 'missing or wrong token (send it in the x-platedesk-token header)' }
  }
  return refuseCrossOrigin(req, origins)
}

/** null when a GET of a library video (/media/<id>/video) may be answered, else why not. A <video> cannot
 *  send a header, so the cookie (or a header) carries the token; a browser's Sec-Fetch-Site must then say
 *  the app's own page asked: another loopback port is the same *site* and would get the cookie too. */
export function refuseMediaRequest(req: IncomingMessage): Refusal | null {
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin') {
    return { status: 403, code: 'unauthorized', message: `cross-origin request refused (Sec-Fetch-Site: ${String(site).slice(0, 40)})` }
  }
  return null
}
