// The backend composition (validation, error mapping, events) and the web-mode server (token, loopback,
// Host check, WebSocket events), on real SQLite files in a temp dir. No engine is started here.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createBackend, toApiError, type Backend } from '../../src/main/services/app'
import { defaultRendererDir, startServer, type RunningServer } from '../../src/main/server/index'

let dir: string
let backend: Backend
let server: RunningServer
let rendererDir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'platedesk-app-'))
  rendererDir = join(dir, 'renderer')
  mkdirSync(join(rendererDir, 'assets'), { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>PlateDesk</title>')
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)')
  backend = await createBackend({ dbPath: join(dir, 'library.db'), mode: 'web', user: 'tester' })
  server = await startServer({ backend, rendererDir })
})
afterAll(async () => {
  await server?.close()
  await backend?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A raw HTTP request, so the Host header can be set (fetch forbids it). */
function raw(opts: { path: string; method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((ok, fail) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path: opts.path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => ok({ status: res.statusCode ?? 0, body, headers: res.headers }))
    })
    req.on('error', fail)
    req.end(opts.body)
  })
}

describe('backend', () => {
  it('validates requests and maps errors to { code, message }', async () => {
    expect(await backend.invoke('no.such', {})).toEqual({ ok: false, error: { code: 'invalid-request', message: 'unknown channel: no.such' } })
    const bad = await backend.invoke('plates.get', { id: 'seven' })
    expect(bad.ok).toBe(false)
    if (!bad.ok) {
      expect(bad.error.code).toBe('invalid-request')
      expect(bad.error.message).toMatch(/^id: /)
    }
    const missing = await backend.invoke('plates.get', { id: 987654 })
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } })
    await expect(backend.call('plates.correct', { id: 987654, text: 'AB12' })).rejects.toMatchObject({ code: 'not-found' })
  })

  it('answers app.info, models.status and dialog.openFolder itself', async () => {
    const info = await backend.call('app.info', {})
    expect(info.mode).toBe('web')
    expect(info.dbPath).toBe(join(dir, 'library.db'))
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/)
    expect(info.engine.ready).toBe(false) // no engine until the first import
    const models = await backend.call('models.status', {})
    expect(models.map((m) => m.task).sort()).toContain('detector')
    expect(await backend.call('dialog.openFolder', {})).toEqual({ paths: [] })
  })

  it('applies request defaults and publishes events to subscribers', async () => {
    const events: string[] = []
    const off = backend.subscribe((e, p) => events.push(`${e}:${(p as { reason?: string }).reason ?? ''}`))
    const s = await backend.call('settings.set', { theme: 'dark', lowConfidence: 0.5 })
    expect(s).toMatchObject({ theme: 'dark', lowConfidence: 0.5 })
    expect((await backend.call('settings.get', {})).theme).toBe('dark')
    expect(events).toContain('library.changed:settings')
    off()
    const list = await backend.call('plates.list', {}) // filter/sort/offset/limit all defaulted
    expect(list).toEqual({ items: [], total: 0 })
  })

  it('maps plain errors by their code or cause', () => {
    expect(toApiError(Object.assign(new Error('x'), { code: 'conflict' }))).toEqual({ code: 'conflict', message: 'x' })
    expect(toApiError(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' })).code).toBe('io')
    expect(toApiError(new Error('boom')).code).toBe('internal')
  })
})

describe('web-mode server', () => {
  it('serves the built renderer by default, never the un-bundled source', () => {
    expect(defaultRendererDir().replace(/\\/g, '/')).toMatch(/\/out\/renderer$/)
  })

  it('listens on loopback only and refuses any other host', async () => {
    expect(server.address.address).toBe('127.0.0.1')
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`)
    await expect(startServer({ backend, host: '0.0.0.0' })).rejects.toThrow(/loopback/)
    await expect(startServer({ backend, host: '192.168.1.10' })).rejects.toThrow(/loopback/)
  })

  it('requires the token on every request', async () => {
    expect((await raw({ path: '/' })).status).toBe(401)
    expect((await raw({ path: '/assets/app.js' })).status).toBe(401)
    expect((await raw({ path: '/api/app.info', method: 'POST', body: '{}' })).status).toBe(401)
    expect((await raw({ path: `/?token=${'0'.repeat(64)}` })).status).toBe(401)
    // the printed address sets an HttpOnly same-site cookie and redirects to itself without the token, so
    // the page and its assets load without the token in their URL
    const first = await raw({ path: `/?token=${server.token}` })
    expect(first.status).toBe(303)
    expect(first.headers.location).toBe('/')
    const cookie = String((first.headers['set-cookie'] as string[])[0]).split(';')[0]
    expect(first.headers['set-cookie']).toEqual([expect.stringMatching(/HttpOnly; SameSite=Strict/)])
    const page = await raw({ path: '/', headers: { cookie } })
    expect(page.status).toBe(200)
    expect(page.body).toContain('<title>PlateDesk</title>')
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'self'")
    expect((await raw({ path: '/assets/app.js', headers: { cookie } })).status).toBe(200)
    const api = await raw({ path: '/api/library.stats', method: 'POST', body: '{}', headers: { 'x-platedesk-token': server.token, 'content-type': 'application/json' } })
    expect(api.status).toBe(200)
    expect(JSON.parse(api.body)).toMatchObject({ media: 0, plates: 0 })
    // no path traversal out of the renderer folder
    expect((await raw({ path: '/../../library.db', headers: { cookie } })).status).toBe(404)
    expect((await raw({ path: '/..%2f..%2flibrary.db', headers: { cookie } })).status).toBe(404)
  })

  it('rejects a foreign Host header (DNS rebinding), bad JSON and oversized bodies', async () => {
    const h = { 'x-platedesk-token': server.token, 'content-type': 'application/json' }
    expect((await raw({ path: '/api/app.info', method: 'POST', body: '{}', headers: { ...h, host: 'evil.example:80' } })).status).toBe(403)
    const badJson = await raw({ path: '/api/app.info', method: 'POST', body: '{not json', headers: h })
    expect(badJson.status).toBe(400)
    expect(JSON.parse(badJson.body).error.code).toBe('invalid-request')
    const invalid = await raw({ path: '/api/plates.get', method: 'POST', body: '{"id":-1}', headers: h })
    expect(invalid.status).toBe(400)
    expect((await raw({ path: '/api/plates.get', method: 'POST', body: '{"id":4242}', headers: h })).status).toBe(404)
    expect((await raw({ path: '/api/app.info', method: 'GET', headers: h })).status).toBe(405)
    const big = await raw({ path: '/api/app.info', method: 'POST', body: `{"x":"${'a'.repeat(5 * 1024 * 1024)}"}`, headers: h }).catch((e: Error) => ({ status: -1, body: e.message, headers: {} }))
    expect([413, -1]).toContain(big.status) // 413, or the socket closed while still sending
  })

  it('pushes backend events over the WebSocket, to token holders only', async () => {
    const wsUrl = `ws://127.0.0.1:${server.port}/events`
    const refused = await new Promise<string>((done) => {
      const ws = new WebSocket(wsUrl)
      ws.on('open', () => done('open'))
      ws.on('error', (e) => done(e.message))
    })
    expect(refused).toMatch(/401/)

    const ws = new WebSocket(`${wsUrl}?token=${server.token}`)
    await new Promise<void>((ok, fail) => {
      ws.on('open', () => ok())
      ws.on('error', fail)
    })
    const got = new Promise<{ event: string; payload: { reason: string } }>((ok) => ws.on('message', (m) => ok(JSON.parse(String(m)))))
    const res = await fetch(`http://127.0.0.1:${server.port}/api/settings.set`, {
      method: 'POST',
      headers: { 'x-platedesk-token': server.token, 'content-type': 'application/json' },
      body: JSON.stringify({ videoFps: 2 })
    })
    expect(res.status).toBe(200)
    expect(await got).toEqual({ event: 'library.changed', payload: { reason: 'settings' } })
    ws.close()
  })
})

describe('backend without models', () => {
  it('stops the import in error and says why in app.info', async () => {
    const saved = process.env.ALPR_MODELS_DIR
    const empty = join(dir, 'no-models')
    mkdirSync(empty)
    process.env.ALPR_MODELS_DIR = empty
    const b = await createBackend({ dbPath: join(dir, 'nomodels.db'), modelsDir: empty, mode: 'web' })
    try {
      const photos = join(dir, 'photos')
      mkdirSync(photos)
      writeFileSync(join(photos, 'a.jpg'), 'not really a jpeg')
      const { jobId } = await b.call('library.import', { paths: [photos] })
      let state = ''
      for (let i = 0; i < 100 && state !== 'error'; i++) {
        state = (await b.call('import.status', {}))?.state ?? ''
        if (state !== 'error') await new Promise((r) => setTimeout(r, 50))
      }
      expect(state).toBe('error')
      expect(jobId).toBeGreaterThan(0)
      const info = await b.call('app.info', {})
      expect(info.engine.ready).toBe(false)
      expect(info.engine.error).toMatch(/engine could not start: .*not found/)
      // only the bundled models (committed in models/) are found
      expect(info.engine.models.filter((m) => m.state !== 'missing').map((m) => m.id)).toEqual(['yolo-v9-t-416-end2end-qdq', 'lprnet-china'])
    } finally {
      await b.close()
      if (saved === undefined) delete process.env.ALPR_MODELS_DIR
      else process.env.ALPR_MODELS_DIR = saved
    }
  })
})
