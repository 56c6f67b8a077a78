// The player's video route (/media/<id>/video): byte ranges as a <video> asks for them, the right content
// type, the token, same-origin only, and only videos of the library (by id; never a path from the URL).
// Real backend and web-mode server on a real fixture library holding the fixture clip.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openFileRange, parseRange } from '../../src/main/media/file-range'
import { FIXTURES_SKIP_REASON, fixturesDir, skipReason } from '../helpers/models'
import { startHarness, type Harness } from './server-harness'

const FIX = fixturesDir()

describe('parseRange', () => {
  it('reads the ranges players send and refuses those past the end', () => {
    expect(parseRange(undefined, 100)).toBeNull()
    expect(parseRange('bytes=0-', 100)).toEqual({ start: 0, end: 99 })
    expect(parseRange('bytes=10-19', 100)).toEqual({ start: 10, end: 19 })
    expect(parseRange('bytes=90-500', 100)).toEqual({ start: 90, end: 99 })
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 })
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 })
    expect(parseRange('bytes=5-9, 20-30', 100)).toEqual({ start: 5, end: 9 })
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable')
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable')
    expect(parseRange('bytes=9-5', 100)).toBeNull()
    expect(parseRange('items=0-5', 100)).toBeNull()
    expect(parseRange('bytes=abc', 100)).toBeNull()
  })
})

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON))('web mode: library videos for the player', () => {
  let h: Harness
  let videoId: number
  let clip: Buffer
  const cookie = (): string => `platedesk_token=${h.server.token}`
  beforeAll(async () => {
    h = await startHarness(FIX!, { withVideo: true })
    videoId = h.fixture.videoMediaId!
    clip = readFileSync(join(FIX!, 'clip.mp4'))
  })
  afterAll(async () => {
    await h?.close()
  })

  /** GET with the raw bytes back (the harness decodes bodies as text) */
  const get = (path: string, headers: Record<string, string>): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> =>
    new Promise((ok, fail) => {
      const req = httpRequest({ host: '127.0.0.1', port: h.server.port, path, headers }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }))
      })
      req.on('error', fail)
      req.end()
    })

  it('serves the whole clip as video/mp4 and says it takes ranges', async () => {
    const r = await get(`/media/${videoId}/video`, { cookie: cookie(), 'sec-fetch-site': 'same-origin' })
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toBe('video/mp4')
    expect(r.headers['accept-ranges']).toBe('bytes')
    expect(Number(r.headers['content-length'])).toBe(clip.length)
    expect(r.body.equals(clip)).toBe(true)
  })

  it('answers a byte range with 206 and exactly those bytes', async () => {
    const r = await get(`/media/${videoId}/video`, { cookie: cookie(), range: 'bytes=1000-1999' })
    expect(r.status).toBe(206)
    expect(r.headers['content-range']).toBe(`bytes 1000-1999/${clip.length}`)
    expect(r.body.equals(clip.subarray(1000, 2000))).toBe(true)
    const tail = await get(`/media/${videoId}/video`, { 'x-platedesk-token': h.server.token, range: 'bytes=-100' })
    expect(tail.status).toBe(206)
    expect(tail.body.equals(clip.subarray(clip.length - 100))).toBe(true)
    const past = await get(`/media/${videoId}/video`, { cookie: cookie(), range: `bytes=${clip.length}-` })
    expect(past.status).toBe(416)
    expect(past.headers['content-range']).toBe(`bytes */${clip.length}`)
  })

  it('needs the token and refuses a page on another origin', async () => {
    expect((await get(`/media/${videoId}/video`, {})).status).toBe(401)
    expect((await get(`/media/${videoId}/video`, { cookie: 'platedesk_token=wrongwrongwrongwrong' })).status).toBe(401)
    const cross = await get(`/media/${videoId}/video`, { cookie: cookie(), 'sec-fetch-site': 'same-site' })
    expect(cross.status).toBe(403)
    expect(cross.body.toString()).toMatch(/cross-origin/)
  })

  it('serves only videos of the library, by id', async () => {
    const images = await h.backend.call('media.list', {})
    const image = images.items.find((m) => m.kind === 'image')!
    expect((await get(`/media/${image.id}/video`, { cookie: cookie() })).status).toBe(404)
    expect((await get('/media/999999/video', { cookie: cookie() })).status).toBe(404)
    for (const p of ['/media/0/video', '/media/-1/video', '/media/1/../../etc/passwd', `/media/${videoId}/video/..%2F..%2Fclip.mp4`, '/media/%2Fetc%2Fpasswd/video']) {
      const r = await get(p, { cookie: cookie() })
      expect(r.status, p).toBe(404)
      expect(r.body.includes(clip.subarray(0, 64)), p).toBe(false)
    }
  })

  it('gives Electron the same answer as a web Response (app:// handler)', async () => {
    const r = openFileRange(join(FIX!, 'clip.mp4'), 'bytes=0-99', 'video/mp4')
    expect(r.status).toBe(206)
    const chunks: Buffer[] = []
    for await (const c of r.body!) chunks.push(c as Buffer)
    expect(Buffer.concat(chunks).equals(clip.subarray(0, 100))).toBe(true)
  })
})
