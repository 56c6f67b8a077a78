// Team-mode sign-in over HTTP: the session cookie, the per-session anti-forgery token the page sends in a
// header, and the limit on failed sign-ins. The accounts themselves (hashes, session rows) live in
// services/accounts.ts; this module only speaks HTTP.
import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** __Host- under TLS: the browser then insists on Secure, Path=/ and no Domain */
export function sessionCookieName(tls: boolean): string {
  return tls ? '__Host-platedesk_session' : 'platedesk_session'
}

export function readCookie(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie
  if (!header) return null
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) {
      try {
        return decodeURIComponent(v.join('='))
      } catch {
        return null
      }
    }
  }
  return null
}

export function sessionCookie(name: string, token: string, opts: { tls: boolean; maxAgeS: number }): string {
  return `${name}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(opts.maxAgeS)}${opts.tls ? '; Secure' : ''}`
}

export function clearedCookie(name: string, tls: boolean): string {
  return `${name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${tls ? '; Secure' : ''}`
}

/** What the page sends in x-platedesk-token with each API call in team mode: derived from the session
 *  token (which the HttpOnly cookie hides from scripts), so only a page that was given it can send it. */
export function antiForgeryToken(sessionToken: string): string {
  return createHash('sha256').update(`platedesk-csrf:${sessionToken}`).digest('base64url')
}

export interface LoginLimitOptions {
  /** failed sign-ins allowed per address and name within the window (default 5) */
  perName: number
  /** failed sign-ins allowed per address, whatever the name, within the window (default 30) */
  perAddress: number
  /** default 15 minutes */
  windowMs: number
}

/** Failed sign-ins per (address, name) and per address, in a sliding window; a success clears its pair.
 *  The server counts each attempt before checking the password (parallel guesses), a success undoes it. */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>()
  private readonly opts: LoginLimitOptions

  constructor(opts: Partial<LoginLimitOptions> = {}, private readonly now: () => number = Date.now) {
    this.opts = { perName: 5, perAddress: 30, windowMs: 15 * 60_000, ...opts }
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.opts.windowMs
    const list = (this.failures.get(key) ?? []).filter((t) => t > cutoff)
    if (list.length) this.failures.set(key, list)
    else this.failures.delete(key)
    return list
  }

  /** seconds until this address may try this name again, or 0 when it may now */
  retryAfter(address: string, name: string): number {
    const wait = (list: number[], max: number): number => (list.length >= max ? list[list.length - max]! + this.opts.windowMs - this.now() : 0)
    const ms = Math.max(wait(this.recent(`${address}|${name.toLowerCase()}`), this.opts.perName), wait(this.recent(address), this.opts.perAddress))
    return ms > 0 ? Math.ceil(ms / 1000) : 0
  }

  failed(address: string, name: string): void {
    const t = this.now()
    for (const key of [`${address}|${name.toLowerCase()}`, address]) this.failures.set(key, [...this.recent(key), t])
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!) // bounded memory
  }

  /** after failed() counted the attempt up front: a success clears its name and takes the attempt back */
  succeeded(address: string, name: string): void {
    this.failures.delete(`${address}|${name.toLowerCase()}`)
    const list = this.recent(address)
    list.pop()
    if (list.length) this.failures.set(address, list)
    else this.failures.delete(address)
  }
}
