// Issue 9 items 8 and 10: every request is held to the contract, and nonsense gets a 400/404 with the
// contract's code instead of being stored (or a 500). Real backend and server on a real fixture library.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_ERROR_MESSAGE } from '../../src/shared/api'
import { FIXTURES_SKIP_REASON, fixturesDir, skipReason } from '../helpers/models'
import { startHarness, type Harness } from './server-harness'

const FIX = fixturesDir()

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON))('web mode: requests are validated against the contract', () => {
  let h: Harness
  let plateId: number
  let imageMediaId: number
  beforeAll(async () => {
    h = await startHarness(FIX!, { withVideo: true })
    const list = await h.backend.call('plates.list', { filter: { state: 'confirmed' }, limit: 100 })
    const onImage = list.items.find((p) => p.mediaKind === 'image')!
    plateId = onImage.id
    imageMediaId = onImage.mediaId
  })
  afterAll(async () => {
    await h?.close()
  })

  const box = async (id: number) => (await h.backend.call('plates.get', { id })).box

  const waitExport = async (jobId: string) => {
    for (let i = 0; i < 600; i++) {
      const s = await h.backend.call('export.status', { jobId })
      if (s.state !== 'running') return s
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error('export did not finish')
  }

  it('plates.setBox with ±1e308 is refused and never becomes a full-frame YOLO label', async () => {
    const before = await box(plateId)
    const huge = await h.post('plates.setBox', { id: plateId, box: { x1: -1e308, y1: -1e308, x2: 1e308, y2: 1e308 } })
    expect(huge.status).toBe(400)
    expect(huge.json.error!.code).toBe('invalid-request')
    // within the number range but far outside the 1280x720 frame: still nonsense
    const far = await h.post('plates.setBox', { id: plateId, box: { x1: -50_000, y1: -50_000, x2: 50_000, y2: 50_000 } })
    expect(far.status).toBe(400)
    expect(far.json.error!.message).toMatch(/1280x720 frame/)
    expect(await box(plateId)).toEqual(before)
    const add = await h.post('plates.add', { mediaId: imageMediaId, box: { x1: 0, y1: 0, x2: 1e308, y2: 1e308 }, text: 'AB12' })
    expect(add.status).toBe(400)

    const outDir = join(h.fixture.dir, 'yolo')
    const run = await h.post('export.run', { format: 'yolo', outDir })
    expect(run.status).toBe(200)
    expect((await waitExport(run.json.jobId as string)).state).not.toBe('running')
    const lines: string[] = []
    for (const split of readdirSync(join(outDir, 'labels'))) {
      for (const f of readdirSync(join(outDir, 'labels', split))) lines.push(...readFileSync(join(outDir, 'labels', split, f), 'utf8').split('\n').filter(Boolean))
    }
    expect(lines.length).toBeGreaterThan(5)
    const fullFrame = lines.filter((l) => {
      const [, , , w, hh] = l.split(' ').map(Number)
      return w! > 0.99 && hh! > 0.99
    })
    expect(fullFrame).toEqual([])
  })

  it('a box dragged a little past the edge is clamped to the image', async () => {
    const r = await h.post('plates.setBox', { id: plateId, box: { x1: 1250.5, y1: 700, x2: 1300, y2: 740 } })
    expect(r.status).toBe(200)
    expect(await box(plateId)).toEqual({ x1: 1250.5, y1: 700, x2: 1280, y2: 720 })
    const outside = await h.post('plates.setBox', { id: plateId, box: { x1: 1290, y1: 10, x2: 1400, y2: 40 } })
    expect(outside.status).toBe(400) // nothing of it lies in the image
    expect((await h.post('history.undo', {})).status).toBe(200)
  })

  it('settings.set takes model ids from the manifest only', async () => {
    const before = await h.backend.call('settings.get', {})
    for (const patch of [
      { detectorId: '../../../etc/passwd' },
      { detectorId: 'no-such-detector' },
      { detectorId: 'cct-xs-v2-global' }, // a recognizer, not a detector
      { recognizerId: 'cct-xs-v2-global+../../x' },
      { recognizerId: 'yolo-v9-t-416-end2end' },
      { recognizerId: 'cct-xs-v2-global+cct-xs-v2-global' }
    ]) {
      const r = await h.post('settings.set', patch)
      expect(r.status, JSON.stringify(patch)).toBe(400)
      expect(r.json.error!.code).toBe('invalid-request')
    }
    expect(await h.backend.call('settings.get', {})).toEqual(before)
    const ok = await h.post('settings.set', { recognizerId: 'cct-xs-v2-global', detectorId: 'yolo-v9-t-416-end2end' })
    expect(ok.status).toBe(200)
    expect((await h.post('settings.set', { recognizerId: before.recognizerId })).status).toBe(200)
    expect((await h.post('models.download', { ids: ['../../../etc/passwd'] })).status).toBe(400)
  })

  it('a NUL byte in a path is a 400, not a 500', async () => {
    const out = await h.post('export.run', { format: 'csv', outDir: join(h.fixture.dir, 'out\u0000dir') })
    expect(out.status).toBe(400)
    expect(out.json.error!.code).toBe('invalid-request')
    expect(out.json.error!.message).toMatch(/outDir: .*NUL/)
    const imp = await h.post('library.import', { paths: ['/tmp/x\u0000y'] })
    expect(imp.status).toBe(400)
    expect(existsSync(join(h.fixture.dir, 'out'))).toBe(false)
  })

  it('a frame index out of range is a 404 (video) or 400 (absurd), not a 500', async () => {
    const videoId = h.fixture.videoMediaId!
    const past = await h.post('media.image', { mediaId: videoId, frameIdx: 999_999, maxSize: 64 })
    expect(past.status).toBe(404)
    expect(past.json.error!.code).toBe('not-found')
    expect(past.json.error!.message).toMatch(/frame 999999 of media/)
    const absurd = await h.post('media.image', { mediaId: videoId, frameIdx: 1e15, maxSize: 64 })
    expect(absurd.status).toBe(400)
    const image = await h.post('media.image', { mediaId: imageMediaId, frameIdx: 3, maxSize: 64 })
    expect(image.status).toBe(404)
    const add = await h.post('plates.add', { mediaId: videoId, frameIdx: 999_999, box: { x1: 1, y1: 1, x2: 50, y2: 20 }, text: 'AB12' })
    expect(add.status).toBe(404)
    // an existing frame still works
    const ok = await h.post('media.image', { mediaId: videoId, frameIdx: 5, maxSize: 64 })
    expect(ok.status).toBe(200)
  })

  it('never echoes a megabyte of input back in an error', async () => {
    const mb = 'A'.repeat(1024 * 1024)
    const cases = [
      await h.post('export.status', { jobId: mb }),
      await h.post('settings.set', { detectorId: mb }),
      await h.post('plates.list', { filter: { text: mb } }),
      await h.post('library.import', { paths: [mb] }),
      await h.post(`no.such.${'x'.repeat(3000)}`, {}),
      await h.post('plates.get', `{"id": "${mb}`) // not JSON
    ]
    for (const r of cases) {
      expect(r.status).toBeGreaterThanOrEqual(400)
      expect(r.status).toBeLessThan(500)
      expect(r.body.length).toBeLessThan(MAX_ERROR_MESSAGE + 200)
      expect(r.body).not.toContain('A'.repeat(MAX_ERROR_MESSAGE))
    }
  })
})
