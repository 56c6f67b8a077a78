// Test harness: the real backend on a fixture library (real SQLite file), behind the real web-mode server
// on a free loopback port, and a raw HTTP client that can set any header (Origin, Sec-Fetch-Site, Host).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { createBackend, type Backend } from '../../src/main/services/app'
import { startServer, type RunningServer } from '../../src/main/server/index'
import { buildFixtureLibrary, type FixtureLibrary } from '../export/fixture-library'

export interface Harness {
  fixture: FixtureLibrary
  backend: Backend
  server: RunningServer
  /** a raw request to the server */
  raw(opts: { path: string; method?: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse>
  /** POST /api/<channel> as the app's page sends it (token header, JSON) */
  post(channel: string, body: unknown): Promise<RawResponse & { json: { error?: { code: string; message: string } } & Record<string, unknown> }>
  close(): Promise<void>
}

export interface RawResponse {
  status: number
  body: string
  headers: Record<string, string | string[] | undefined>
}

export async function startHarness(fixtures: string, opts: { withVideo?: boolean } = {}): Promise<Harness> {
  const fixture = buildFixtureLibrary(fixtures, { withVideo: opts.withVideo })
  fixture.lib.close() // the backend opens the file itself
  const rendererDir = join(fixture.dir, 'renderer')
  mkdirSync(rendererDir, { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><html><head><title>PlateDesk</title></head><body></body></html>')
  const backend = await createBackend({ dbPath: fixture.file, mode: 'web', user: 'tester' })
  const server = await startServer({ backend, rendererDir })
  const raw: Harness['raw'] = (o) =>
    new Promise((ok, fail) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.port, path: o.path, method: o.method ?? 'GET', headers: o.headers }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }))
      })
      req.on('error', fail)
      req.end(o.body)
    })
  return {
    fixture,
    backend,
    server,
    raw,
    async post(channel, body) {
      const r = await raw({
        path: `/api/${channel}`,
        method: 'POST',
        headers: { 'x-platedesk-token': server.token, 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body)
      })
      let json: Record<string, unknown> = {}
      try {
        json = JSON.parse(r.body) as Record<string, unknown>
      } catch {
        // left empty: the test looks at status and body
      }
      return { ...r, json }
    },
    async close() {
      await server.close()
      await backend.close()
      rmSync(fixture.dir, { recursive: true, force: true })
    }
  }
}
