// Issue 9 item 1: a page on another loopback port is the same site, so the SameSite=Strict cookie rides on
// its no-cors fetches and text/plain form posts. Here, the requests such a page can make, byte for byte
// (cookie, Origin http://127.0.0.1:<other port>, Sec-Fetch-Site: same-site, text/plain body), against the
// real server and backend: none may change the library. (e2e/security.spec.ts does it from a real page.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FIXTURES_SKIP_REASON, fixturesDir, skipReason } from '../helpers/models'
import { startHarness, type Harness } from './server-harness'

const FIX = fixturesDir()

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON))('web mode: state-changing calls must come from the app itself', () => {
  let h: Harness
  let cookie: string
  let plateId: number
  beforeAll(async () => {
    h = await startHarness(FIX!)
    // the user opened the printed URL once: the strict cookie is set
    const first = await h.raw({ path: `/?token=${h.server.token}` })
    cookie = String((first.headers['set-cookie'] as string[])[0]).split(';')[0]!
    const list = await h.backend.call('plates.list', { filter: { state: 'unreviewed' }, limit: 1 })
    plateId = list.items[0]!.id
  })
  afterAll(async () => {
    await h?.close()
  })

  const state = async (): Promise<string> => (await h.backend.call('plates.get', { id: plateId })).reviewState
  const evil = (port: number) => `http://127.0.0.1:${port}`

  it("refuses a no-cors text/plain fetch from another port that carries only the cookie", async () => {
    const before = await state()
    const r = await h.raw({
      path: '/api/plates.reject',
      method: 'POST',
      headers: { cookie, origin: evil(h.server.port + 1), 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors', 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ id: plateId })
    })
    expect(r.status).toBe(401)
    expect(JSON.parse(r.body).error.code).toBe('unauthorized')
    // a text/plain form post (no Origin header on some browsers) and the query-string token are refused too
    const form = await h.raw({
      path: '/api/plates.reject',
      method: 'POST',
      headers: { cookie, 'content-type': 'text/plain' },
      body: `{"id":${plateId},"x":"="}`
    })
    expect(form.status).toBe(401)
    const query = await h.raw({
      path: `/api/plates.reject?token=${h.server.token}`,
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ id: plateId })
    })
    expect(query.status).toBe(401)
    expect(await state()).toBe(before)
  })

  it('refuses a request with the token from another origin, or not as JSON', async () => {
    const before = await state()
    const base = { 'x-platedesk-token': h.server.token, 'content-type': 'application/json' }
    const body = JSON.stringify({ id: plateId })
    const otherOrigin = await h.raw({ path: '/api/plates.reject', method: 'POST', headers: { ...base, origin: evil(h.server.port + 1) }, body })
    expect(otherOrigin.status).toBe(403)
    expect(JSON.parse(otherOrigin.body).error.code).toBe('unauthorized')
    const nullOrigin = await h.raw({ path: '/api/plates.reject', method: 'POST', headers: { ...base, origin: 'null' }, body })
    expect(nullOrigin.status).toBe(403)
    const sameSite = await h.raw({ path: '/api/plates.reject', method: 'POST', headers: { ...base, 'sec-fetch-site': 'same-site' }, body })
    expect(sameSite.status).toBe(403)
    const crossSite = await h.raw({ path: '/api/plates.reject', method: 'POST', headers: { ...base, 'sec-fetch-site': 'cross-site' }, body })
    expect(crossSite.status).toBe(403)
    const plain = await h.raw({ path: '/api/plates.reject', method: 'POST', headers: { ...base, 'content-type': 'text/plain' }, body })
    expect(plain.status).toBe(415)
    expect(JSON.parse(plain.body).error.code).toBe('invalid-request')
    const noType = await h.raw({ path: '/api/plates.reject', method: 'POST', headers: { 'x-platedesk-token': h.server.token }, body })
    expect(noType.status).toBe(415)
    const form = await h.raw({
      path: '/api/plates.reject',
      method: 'POST',
      headers: { ...base, 'content-type': 'application/x-www-form-urlencoded' },
      body
    })
    expect(form.status).toBe(415)
    expect(await state()).toBe(before)
  })

  it("accepts the app's own call: header token, JSON, its own origin", async () => {
    const r = await h.raw({
      path: '/api/plates.reject',
      method: 'POST',
      headers: {
        'x-platedesk-token': h.server.token,
        'content-type': 'application/json',
        origin: h.server.origin,
        'sec-fetch-site': 'same-origin',
        cookie
      },
      body: JSON.stringify({ id: plateId })
    })
    expect(r.status).toBe(200)
    expect(await state()).toBe('rejected')
    // a client outside a browser (CLI, curl) sends no Origin/Sec-Fetch-Site: the header token and JSON suffice
    const undo = await h.post('history.undo', {})
    expect(undo.status).toBe(200)
    expect(await state()).toBe('unreviewed')
  })

  it('moves the token out of the address: 303 to the same address without it, page gets it in a <meta>', async () => {
    const first = await h.raw({ path: `/?token=${h.server.token}&x=1` })
    expect(first.status).toBe(303)
    expect(first.headers.location).toBe('/?x=1')
    // never to another host ('//evil.example' is protocol-relative)
    for (const path of ['//evil.example/', '/.//evil.example/', '/a/..//evil.example/', '/%5Cevil.example/']) {
      const r = await h.raw({ path: `${path}?token=${h.server.token}` })
      expect(r.status, path).toBe(303)
      expect(r.headers.location, path).toMatch(/^\/(?![/\\])/)
    }
    expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/)
    const page = await h.raw({ path: '/', headers: { cookie } })
    expect(page.status).toBe(200)
    expect(page.body).toContain(`<meta name="platedesk-token" content="${h.server.token}">`)
    // without the cookie (another profile, a stranger): no page, no token
    const stranger = await h.raw({ path: '/' })
    expect(stranger.status).toBe(401)
    expect(stranger.body).not.toContain(h.server.token)
  })
})
