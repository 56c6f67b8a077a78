// Team mode (issue 13, People): accounts with argon2id hashes, sessions over the real web server, roles
// enforced per channel, history authors, and the rules for listening beyond loopback (TLS). Real SQLite
// library file, real backend, real HTTP(S) and WebSocket over loopback.
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createBackend, type Backend } from '../../src/main/services/app'
import { hashPassword, verifyPassword } from '../../src/main/services/accounts'
import { startServer, type RunningServer } from '../../src/main/server/index'
import { selfSignedCert } from '../../src/main/server/tls'
import { buildFixtureLibrary, type FixtureLibrary } from '../export/fixture-library'
import { FIXTURES_SKIP_REASON, fixturesDir, skipReason } from '../helpers/models'

const FIX = fixturesDir()
const PW = { alice: 'alice-password-1', rita: 'rita-password-1', val: 'val-password-1', vic: 'vic-password-1' }

interface Res {
  status: number
  body: string
  json: Record<string, unknown> & { error?: { code: string; message: string } }
  headers: Record<string, string | string[] | undefined>
}

/** over TLS the certificate is checked for platedesk.lan, whatever Host header the test sends */
function send(
  base: { port: number; tls?: Buffer },
  o: { path: string; method?: string; headers?: Record<string, string>; body?: unknown }
): Promise<Res> {
  return new Promise((ok, fail) => {
    const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body)
    const opts = { host: '127.0.0.1', port: base.port, path: o.path, method: o.method ?? 'GET', headers: o.headers, ...(base.tls ? { ca: base.tls, servername: 'platedesk.lan' } : {}) }
    const req = (base.tls ? httpsRequest : httpRequest)(opts, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json = {}
        try {
          json = JSON.parse(text) as Record<string, unknown>
        } catch {
          // not JSON: the test reads body
        }
        ok({ status: res.statusCode ?? 0, body: text, json, headers: res.headers })
      })
    })
    req.on('error', fail)
    req.end(body)
  })
}

/** a browser-like client: signs in, keeps the cookie and the anti-forgery token */
class Person {
  cookie = ''
  csrf = ''
  constructor(private readonly base: { port: number; tls?: Buffer }) {}
  async signIn(name: string, password: string): Promise<Res> {
    const r = await send(this.base, { path: '/auth/login', method: 'POST', headers: { 'content-type': 'application/json' }, body: { name, password } })
    if (r.status === 200) {
      this.cookie = String((r.headers['set-cookie'] as string[])[0]).split(';')[0]!
      this.csrf = String(r.json.csrf)
    }
    return r
  }
  call(channel: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<Res> {
    return send(this.base, {
      path: `/api/${channel}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: this.cookie, 'x-platedesk-token': this.csrf, ...headers },
      body
    })
  }
}

describe('argon2id password hashes', () => {
  it('hashes as an argon2id PHC string that verifies the password and nothing else', async () => {
    const phc = await hashPassword('correct horse battery')
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/)
    expect(await verifyPassword(phc, 'correct horse battery')).toBe(true)
    expect(await verifyPassword(phc, 'correct horse batterz')).toBe(false)
    expect(await hashPassword('correct horse battery')).not.toBe(phc) // salted
    expect(await verifyPassword('not a hash', 'x')).toBe(false)
  })
})

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON))('team server: sign-in, roles, authors', () => {
  let fixture: FixtureLibrary
  let backend: Backend
  let server: RunningServer
  let plateId: number
  const base = (): { port: number } => ({ port: server.port })

  beforeAll(async () => {
    fixture = buildFixtureLibrary(FIX!)
    fixture.lib.close()
    backend = await createBackend({ dbPath: fixture.file, mode: 'web', user: 'os-user' })
    await backend.accounts.add('alice', 'admin', PW.alice)
    await backend.accounts.add('rita', 'reviewer', PW.rita)
    await backend.accounts.add('val', 'viewer', PW.val)
    await backend.accounts.add('vic', 'viewer', PW.vic)
    server = await startServer({ backend, rendererDir: join(fixture.dir, 'no-renderer') })
    plateId = (await backend.call('plates.list', { filter: { state: 'unreviewed' }, limit: 1 })).items[0]!.id
  })
  afterAll(async () => {
    await server?.close()
    await backend?.close()
    if (fixture) rmSync(fixture.dir, { recursive: true, force: true })
  })

  it('is in team mode: no token in the address, and nothing but the page without a session', async () => {
    expect(server.teamMode).toBe(true)
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`)
    const anon = new Person(base())
    expect((await anon.call('plates.list')).status).toBe(401)
    // the old loopback token opens nothing in team mode
    const r = await send(base(), { path: '/api/plates.list', method: 'POST', headers: { 'content-type': 'application/json', 'x-platedesk-token': server.token }, body: {} })
    expect(r.status).toBe(401)
    expect((await send(base(), { path: '/auth/session' })).status).toBe(401)
  })

  it('refuses a wrong password and an unknown name alike, and limits failures per address and name', async () => {
    const p = new Person(base())
    const wrong = await p.signIn('vic', 'not-the-password')
    const unknown = await p.signIn('nobody', 'not-the-password')
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(wrong.json.error).toEqual(unknown.json.error)
    expect(wrong.headers['set-cookie']).toBeUndefined()
    for (let i = 0; i < 4; i++) expect((await p.signIn('vic', `wrong-${i}-password`)).status).toBe(401)
    // 5 failures for vic from this address: even the right password waits now
    const limited = await p.signIn('vic', PW.vic)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    // another name from the same address is not locked out by vic's failures
    expect((await new Person(base()).signIn('val', PW.val)).status).toBe(200)
    // guesses sent in parallel are counted before their hash checks: none gets past the limit
    const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => p.signIn('ghost', `parallel-${i}-guess`)))
    expect(burst.filter((r) => r.status === 401)).toHaveLength(5)
    expect(burst.filter((r) => r.status === 429)).toHaveLength(3)
  })

  it('signs in with an HttpOnly SameSite=Strict cookie and answers who is signed in', async () => {
    const p = new Person(base())
    const r = await p.signIn('RITA', PW.rita) // names match regardless of case
    expect(r.status).toBe(200)
    const cookie = String((r.headers['set-cookie'] as string[])[0])
    expect(cookie).toMatch(/^platedesk_session=[A-Za-z0-9_-]{43};/)
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Strict')
    expect(cookie).not.toContain('Secure') // plain http on loopback
    const who = await send(base(), { path: '/auth/session', headers: { cookie: p.cookie } })
    expect(who.json).toMatchObject({ teamMode: true, user: 'rita', role: 'reviewer', csrf: p.csrf })
    // only the hash of the token is stored
    const db = new Database(fixture.file, { readonly: true })
    const rows = db.prepare('SELECT token_hash FROM sessions').all() as { token_hash: string }[]
    db.close()
    const token = decodeURIComponent(p.cookie.split('=')[1]!)
    expect(rows.some((x) => x.token_hash.includes(token))).toBe(false)
    expect(rows.every((x) => /^[0-9a-f]{64}$/.test(x.token_hash))).toBe(true)
  })

  it('needs the anti-forgery header and the own origin besides the cookie', async () => {
    const p = new Person(base())
    await p.signIn('rita', PW.rita)
    expect((await p.call('plates.list', {}, { 'x-platedesk-token': 'x'.repeat(43) })).status).toBe(401)
    expect((await p.call('plates.list', {}, { origin: 'http://evil.example' })).status).toBe(403)
    expect((await p.call('plates.list', {}, { host: `evil.example:${server.port}` })).status).toBe(403)
    expect((await p.call('plates.list')).status).toBe(200)
  })

  it('enforces roles per channel: a viewer reads but cannot confirm, a reviewer cannot import', async () => {
    const viewer = new Person(base())
    expect((await viewer.signIn('val', PW.val)).json.role).toBe('viewer')
    expect((await viewer.call('plates.list', { limit: 5 })).status).toBe(200)
    const refused = await viewer.call('plates.confirm', { id: plateId })
    expect(refused.status).toBe(403)
    expect(refused.json.error).toEqual({ code: 'forbidden', message: 'plates.confirm needs the reviewer role; val is a viewer' })
    expect((await backend.call('plates.get', { id: plateId })).reviewState).toBe('unreviewed')

    const reviewer = new Person(base())
    await reviewer.signIn('rita', PW.rita)
    const imp = await reviewer.call('library.import', { paths: [FIX!] })
    expect(imp.status).toBe(403)
    expect(imp.json.error?.message).toMatch(/needs the admin role/)
    expect((await reviewer.call('users.list')).status).toBe(403)
    expect((await reviewer.call('settings.set', { theme: 'dark' })).status).toBe(403)
  })

  it('names the signed-in account as the author of an edit over HTTP', async () => {
    const reviewer = new Person(base())
    await reviewer.signIn('rita', PW.rita)
    const r = await reviewer.call('plates.correct', { id: plateId, text: 'B 123 TST' })
    expect(r.status).toBe(200)
    expect(r.json.reviewState).toBe('corrected')
    const hist = await reviewer.call('history.list', { plateId })
    const items = hist.json.items as { action: string; by: string }[]
    expect(items[0]).toMatchObject({ action: 'correct', by: 'rita' })
    // the row in the library file itself
    const db = new Database(fixture.file, { readonly: true })
    const row = db.prepare('SELECT by FROM history WHERE plate_id = ? ORDER BY id DESC LIMIT 1').get(plateId) as { by: string }
    db.close()
    expect(row.by).toBe('rita')
  })

  it('ends a session on sign-out, at expiry, and when the account is demoted or removed', async () => {
    const p = new Person(base())
    await p.signIn('rita', PW.rita)
    await send(base(), { path: '/auth/logout', method: 'POST', headers: { 'content-type': 'application/json', cookie: p.cookie }, body: {} })
    expect((await p.call('plates.list')).status).toBe(401)

    // expired: the absolute expiry passed (written into the real file by another connection)
    const q = new Person(base())
    await q.signIn('rita', PW.rita)
    expect((await q.call('plates.list')).status).toBe(200)
    const db = new Database(fixture.file)
    db.prepare('UPDATE sessions SET expires_at = ?').run('2000-01-01T00:00:00.000Z')
    db.close()
    expect((await q.call('plates.list')).status).toBe(401)

    // an admin manages accounts over the API; demoting rita ends her session
    const admin = new Person(base())
    await admin.signIn('alice', PW.alice)
    const r2 = new Person(base())
    await r2.signIn('rita', PW.rita)
    const set = await admin.call('users.setRole', { name: 'rita', role: 'viewer' })
    expect(set.json).toMatchObject({ name: 'rita', role: 'viewer' })
    expect((await r2.call('plates.list')).status).toBe(401)
    expect((await r2.signIn('rita', PW.rita)).json.role).toBe('viewer')
    expect((await admin.call('users.add', { name: 'newbie', role: 'reviewer', password: 'newbie-password' })).status).toBe(200)
    const n = new Person(base())
    await n.signIn('newbie', 'newbie-password')
    expect((await admin.call('users.remove', { name: 'newbie' })).status).toBe(200)
    expect((await n.call('plates.list')).status).toBe(401)
    const last = await admin.call('users.remove', { name: 'alice' })
    expect(last.status).toBe(409) // the last admin stays
  })

  it('opens the event socket only to a signed-in page with its token', async () => {
    const p = new Person(base())
    await p.signIn('alice', PW.alice)
    const open = (headers: Record<string, string>, token: string): Promise<number> =>
      new Promise((ok) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/events?token=${token}`, { headers })
        ws.on('open', () => {
          ws.close()
          ok(101)
        })
        ws.on('unexpected-response', (_req, res) => ok(res.statusCode ?? 0))
        ws.on('error', () => ok(0))
      })
    expect(await open({}, p.csrf)).toBe(401)
    expect(await open({ cookie: p.cookie }, 'wrong')).toBe(401)
    expect(await open({ cookie: p.cookie, origin: 'http://evil.example' }, p.csrf)).toBe(403)
    expect(await open({ cookie: p.cookie, origin: `http://127.0.0.1:${server.port}` }, p.csrf)).toBe(101)
  })
})

describe('listening beyond loopback', () => {
  let dir: string
  let backend: Backend
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-team-'))
    backend = await createBackend({ dbPath: join(dir, 'library.db'), mode: 'web' })
  })
  afterAll(async () => {
    await backend?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('refuses another address without accounts, and without TLS', async () => {
    await expect(startServer({ backend, host: '0.0.0.0' })).rejects.toThrow(/loopback interface only.*add an admin first/)
    await backend.accounts.add('alice', 'admin', PW.alice)
    await expect(startServer({ backend, host: '0.0.0.0' })).rejects.toThrow(/needs TLS/)
    await expect(startServer({ backend, host: 'example.com' })).rejects.toThrow(/must be an IP address/)
  })

  it('serves https and wss with a self-signed certificate; the cookie is Secure and __Host-', async () => {
    const tls = selfSignedCert(join(dir, 'tls'), ['127.0.0.1', 'platedesk.lan'])
    const server = await startServer({ backend, host: '0.0.0.0', tls, publicHosts: ['platedesk.lan'], rendererDir: join(dir, 'none') })
    try {
      expect(server.url).toBe(`https://platedesk.lan:${server.port}/`)
      const b = { port: server.port, tls: tls.cert }
      // plain http to the TLS port gets no answer
      await expect(send({ port: server.port }, { path: '/auth/session' })).rejects.toThrow()
      const p = new Person(b)
      const r = await p.signIn('alice', PW.alice)
      expect(r.status).toBe(200)
      const cookie = String((r.headers['set-cookie'] as string[])[0])
      expect(cookie).toMatch(/^__Host-platedesk_session=/)
      expect(cookie).toContain('; Secure')
      expect((await p.call('users.list')).json).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'alice', role: 'admin' })]))
      // the configured public name is a valid Host and Origin; another name is not (DNS rebinding)
      expect((await p.call('plates.list', {}, { host: `platedesk.lan:${server.port}`, origin: `https://platedesk.lan:${server.port}` })).status).toBe(200)
      expect((await p.call('plates.list', {}, { host: `rebind.example:${server.port}` })).status).toBe(403)
      const code = await new Promise<number>((ok) => {
        const ws = new WebSocket(`wss://127.0.0.1:${server.port}/events?token=${p.csrf}`, { headers: { cookie: p.cookie }, ca: tls.cert })
        ws.on('open', () => {
          ws.close()
          ok(101)
        })
        ws.on('unexpected-response', (_q, res) => ok(res.statusCode ?? 0))
        ws.on('error', () => ok(0))
      })
      expect(code).toBe(101)
    } finally {
      await server.close()
    }
  })
})
