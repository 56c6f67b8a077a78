// Track review through the service handlers (what IPC and the web server call), on the fixture clip
// imported for real (ffmpeg, ONNX engine, SQLite file): a correction reaches its track at once, the
// track's text and confirmation reach its reads (its plate), and split/merge are undone in one step.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLibrary, type Library } from '../../src/main/db/index'
import type { Engine } from '../../src/main/engine/types'
import { createLibraryService, type LibraryService } from '../../src/main/services/library'
import type { EventName, Events } from '../../src/shared/api'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, fixturesDir, modelsDir, skipReason } from '../helpers/models'

const fixtures = fixturesDir()
const skip = skipReason(!modelsDir() && MODELS_SKIP_REASON, !fixtures && FIXTURES_SKIP_REASON)

describe.skipIf(skip)('track review on the imported clip', () => {
  let engine: Engine
  let dir: string
  let lib: Library
  let svc: LibraryService
  let mediaId: number
  const events: { name: EventName; payload: unknown }[] = []

  beforeAll(async () => {
    const { createEngine } = await import('../../src/main/engine/index')
    engine = await createEngine({ workers: 2 })
    dir = mkdtempSync(join(tmpdir(), 'platedesk-track-edits-'))
    const src = join(dir, 'src')
    mkdirSync(src)
    copyFileSync(join(fixtures!, 'clip.mp4'), join(src, 'clip.mp4'))
    lib = openLibrary(join(dir, 'lib.db'))
    svc = createLibraryService({
      library: lib,
      engine: async () => engine,
      user: 'tester',
      resume: false,
      emit: <E extends EventName>(name: E, payload: Events[E]) => void events.push({ name, payload })
    })
    await svc.handlers['library.import']({ paths: [src], fps: 8 })
    await svc.queue.idle()
    mediaId = (await svc.handlers['media.list']({ offset: 0, limit: 10 })).items[0].id
  }, 120_000)
  afterAll(async () => {
    await svc?.dispose()
    lib?.close()
    await engine?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const h = () => svc.handlers
  const tracks = () => h()['tracks.list']({ mediaId })
  const byText = async (text: string) => (await tracks()).find((t) => t.text === text)!
  const reviewPlate = async (plateId: number) => h()['plates.get']({ id: plateId })
  const members = async (trackId: number) => (await h()['tracks.frames']({ trackId })).map((f) => f.detectionId)

  it('imports the clip as the two plates it shows', async () => {
    expect((await tracks()).map((t) => t.text).sort()).toEqual(['B172WAW', 'B21GSB'])
  })

  it('a plate correction reaches its track at once, and undo takes it back', async () => {
    const t = await byText('B172WAW')
    events.length = 0
    await h()['plates.correct']({ id: t.plateId!, text: 'B172WAX' })
    expect(events.some((e) => e.name === 'library.changed')).toBe(true)
    const after = (await tracks()).find((x) => x.id === t.id)!
    expect(after).toMatchObject({ text: 'B172WAX', confidence: 1 })
    await h()['history.undo']({})
    expect((await tracks()).find((x) => x.id === t.id)).toMatchObject({ text: 'B172WAW', confidence: t.confidence })
    expect((await reviewPlate(t.plateId!)).reviewState).toBe('unreviewed')
  })

  it("the track's text set and confirmed: Review shows the same text, every read reviewed", async () => {
    const t = await byText('B21GSB')
    const set = await h()['tracks.setText']({ trackId: t.id, text: 'b21 gsc' })
    expect(set).toMatchObject({ id: t.id, text: 'B21GSC', confidence: 1 })
    const plate = await reviewPlate(t.plateId!)
    expect(plate).toMatchObject({ text: 'B21GSC', reviewState: 'corrected', trackId: t.id })
    // the Review list (plates.list) agrees with the track list
    const review = await h()['plates.list']({ filter: {}, sort: 'media', offset: 0, limit: 100 })
    expect(review.items.find((p) => p.trackId === t.id)!.text).toBe('B21GSC')
    await h()['history.undo']({})
    expect((await tracks()).find((x) => x.id === t.id)!.text).toBe('B21GSB')
    const conf = await h()['tracks.confirm']({ trackId: t.id })
    expect(conf).toMatchObject({ text: 'B21GSB', confidence: 1 })
    expect((await reviewPlate(t.plateId!)).reviewState).toBe('confirmed')
    await h()['history.undo']({})
    expect((await reviewPlate(t.plateId!)).reviewState).toBe('unreviewed')
    expect(() => h()['tracks.setText']({ trackId: 999_999, text: 'X' })).toThrow(expect.objectContaining({ code: 'not-found' }))
  })

  it('split at a frame: a new track with its own plate; undo puts it back in one step', async () => {
    const t = await byText('B21GSB')
    const before = await members(t.id)
    const platesBefore = (await h()['plates.list']({ filter: {}, sort: 'media', offset: 0, limit: 100 })).total
    const { trackIds } = await h()['tracks.split']({ trackId: t.id, atFrame: 22 })
    expect(trackIds[0]).toBe(t.id)
    const [a, b] = await Promise.all(trackIds.map((id) => h()['tracks.frames']({ trackId: id })))
    expect(a.every((f) => f.frameIdx < 22) && b.every((f) => f.frameIdx >= 22)).toBe(true)
    expect(a.length + b.length).toBe(before.length)
    const list = await tracks()
    expect(list).toHaveLength(3)
    const nb = list.find((x) => x.id === trackIds[1])!
    expect(nb.plateId).not.toBeNull()
    expect(nb.firstFrame).toBe(22)
    expect(nb.text).toMatch(/^B21/) // voted from its own reads (B21G5B, B21G58, B21)
    expect(list.find((x) => x.id === t.id)).toMatchObject({ text: 'B21GSB', lastFrame: 21 })
    expect((await h()['plates.list']({ filter: {}, sort: 'media', offset: 0, limit: 100 })).total).toBe(platesBefore + 1)
    const hist = await h()['history.list']({ action: 'track', offset: 0, limit: 10 })
    expect(hist.items).toHaveLength(1)

    const res = await h()['history.undo']({})
    expect(res.undone).toBe(1)
    expect(await tracks()).toHaveLength(2)
    expect(await members(t.id)).toEqual(before)
    expect((await h()['plates.list']({ filter: {}, sort: 'media', offset: 0, limit: 100 })).total).toBe(platesBefore)
    expect(() => h()['tracks.split']({ trackId: t.id, atFrame: 0 })).toThrow(/would leave one part empty/)
  })

  it('merge keeps a reviewed text, and undo and redo each take one step', async () => {
    const a = await byText('B21GSB')
    const b = await byText('B172WAW')
    const ma = await members(a.id)
    const mb = await members(b.id)
    await h()['tracks.setText']({ trackId: b.id, text: 'B172WAW' }) // reviewed (confirmed by typing the same)
    const { trackId } = await h()['tracks.merge']({ trackIds: [b.id, a.id] })
    expect(trackId).toBe(a.id) // the earliest track hosts
    const list = await tracks()
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({ id: a.id, text: 'B172WAW', detections: ma.length + mb.length })
    expect((await reviewPlate(a.plateId!)).reviewState).toBe('confirmed')

    const undo = await h()['history.undo']({})
    expect(undo.undone).toBe(1)
    expect((await tracks()).map((t) => [t.id, t.text, t.plateId])).toEqual([
      [a.id, 'B21GSB', a.plateId],
      [b.id, 'B172WAW', b.plateId]
    ])
    expect(await members(a.id)).toEqual(ma)
    expect(await members(b.id)).toEqual(mb)
    expect((await reviewPlate(a.plateId!)).reviewState).toBe('unreviewed')
    expect((await reviewPlate(b.plateId!)).reviewState).toBe('confirmed')

    // redo: undoing the undo merges again
    const undoEntry = (await h()['history.list']({ action: 'undo', offset: 0, limit: 1 })).items[0]
    await h()['history.undo']({ historyId: undoEntry.id })
    expect(await tracks()).toHaveLength(1)
    expect(() => h()['tracks.merge']({ trackIds: [a.id, a.id] })).toThrow(/at least two different tracks/)
  })
})
