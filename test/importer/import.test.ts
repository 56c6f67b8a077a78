// The importer end to end: real engine (ONNX), real SQLite files in a temp dir, real ffmpeg.
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLibrary, type Library } from '../../src/main/db/index'
import type { Engine } from '../../src/main/engine/types'
import { ImportQueue } from '../../src/main/importer/queue'
import { ffmpegPath } from '../../src/main/media/probe'
import { createLibraryService } from '../../src/main/services/library'
import type { EventName, Events } from '../../src/shared/api'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, REPO_ROOT, fixturesDir, modelsDir, skipReason } from '../helpers/models'

const fixtures = fixturesDir()
const skip = skipReason(!modelsDir() && MODELS_SKIP_REASON, !fixtures && FIXTURES_SKIP_REASON)

describe.skipIf(skip)('importer on real files', () => {
  let dir: string
  let engine: Engine
  const images = () => readdirSync(join(fixtures!, 'images')).filter((f) => f.endsWith('.jpg')).sort()

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-import-'))
    const { createEngine } = await import('../../src/main/engine/index')
    engine = await createEngine({ workers: 2 })
  })
  afterAll(async () => {
    await engine?.close()
    try {
      chmodSync(join(dir, 'bad', 'locked'), 0o755)
    } catch {
      /* not created */
    }
    rmSync(dir, { recursive: true, force: true })
  })

  const all = (lib: Library, sql: string, ...p: unknown[]) => lib.db.prepare(sql).all(...p) as Record<string, unknown>[]
  const one = (lib: Library, sql: string, ...p: unknown[]) => lib.db.prepare(sql).get(...p) as Record<string, unknown>

  it('imports the romania-dashcam fixture: 25 media, detections, tracks for the video; the CLI prints the stats', async () => {
    const db = join(dir, 'fixture.db')
    const lib = openLibrary(db)
    const progress: number[] = []
    const q = new ImportQueue({ library: lib, engine: async () => engine, onProgress: (p) => progress.push(p.filesDone) })
    const jobId = await q.enqueue([fixtures!], { fps: 4 })
    await q.idle()
    expect(lib.imports.getJob(jobId)!.state).toBe('done')
    const s = lib.reader.stats()
    expect(s).toMatchObject({ media: 25, images: 24, videos: 1, errors: 0 })
    expect(s.detections).toBeGreaterThanOrEqual(31)
    const video = one(lib, `SELECT id, fps, duration_s FROM media WHERE kind = 'video'`)
    expect(video.duration_s).toBeCloseTo(4, 1)
    expect(one(lib, 'SELECT COUNT(*) AS n FROM frames WHERE media_id = ?', video.id).n).toBe(16) // 4 s at 4 fps
    const tracks = lib.reader.listTracks(video.id as number)
    expect(tracks.length).toBeGreaterThan(0)
    // the plate in front of the dashcam is seen in most frames: one track, one plate row, voted text
    const main = tracks.reduce((a, b) => (b.detections > a.detections ? b : a))
    expect(main.detections).toBeGreaterThanOrEqual(8)
    expect(main.text).toBe('B21GSB')
    const plate = lib.reader.getPlate(main.plateId!)!
    expect(plate).toMatchObject({ trackId: main.id, text: 'B21GSB', mediaKind: 'video', frameIdx: main.bestFrame })
    expect(lib.reader.trackFrames(main.id)).toHaveLength(main.detections)
    // video plates = tracks; image plates = detections
    expect(one(lib, `SELECT COUNT(*) AS n FROM plates p JOIN media m ON m.id = p.media_id WHERE m.kind = 'video'`).n).toBe(tracks.length)
    // video detections outside any track are unconfirmed one-frame glimpses: stored, never a plate to review
    const loose = lib.db
      .prepare(
        `SELECT d.id, r.confidence FROM detections d JOIN media m ON m.id = d.media_id LEFT JOIN reads r ON r.detection_id = d.id
         WHERE m.kind = 'video' AND d.track_id IS NULL`
      )
      .all() as { id: number; confidence: number | null }[]
    for (const d of loose) {
      expect(d.confidence ?? 0).toBeLessThan(0.5)
      expect(one(lib, 'SELECT COUNT(*) AS n FROM plates WHERE detection_id = ?', d.id).n).toBe(0)
    }
    expect(tracks.every((t) => t.detections >= 2 || t.confidence >= 0.5)).toBe(true)
    // the ground truth texts of the fixture show up
    const truth = readFileSync(join(fixtures!, 'plates.tsv'), 'utf8').split('\n').slice(1).map((l) => l.split('\t')[5]).filter(Boolean)
    const texts = new Set(all(lib, 'SELECT text FROM plates').map((r) => r.text))
    expect(truth.filter((t) => texts.has(t)).length).toBeGreaterThanOrEqual(15)
    expect(progress.at(-1)).toBe(25)
    lib.close()

    const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), 'stats', '--db', db, '--json'], { encoding: 'utf8' })
    expect(cli.status, cli.stderr).toBe(0)
    expect(JSON.parse(cli.stdout)).toEqual(s)
    const check = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), 'check', '--db', db], { encoding: 'utf8' })
    expect(check.status, check.stderr).toBe(0)
    expect(check.stdout).toMatch(/^ok/)
  })

  it('records corrupt, truncated and unreadable files as errors, keeps going, dedups by content, re-imports only new files', async () => {
    const src = join(dir, 'bad')
    const uni = join(src, 'Straße ü', 'plăcuțe noi')
    mkdirSync(uni, { recursive: true })
    const imgs = images()
    copyFileSync(join(fixtures!, 'images', imgs[0]), join(uni, 'mașina 1.jpg'))
    copyFileSync(join(fixtures!, 'images', imgs[1]), join(src, 'b.jpg'))
    copyFileSync(join(fixtures!, 'images', imgs[1]), join(src, 'copy of b.jpg')) // same bytes, other name
    writeFileSync(join(src, 'garbage.jpg'), Buffer.from('this is not a jpeg at all'.repeat(40)))
    writeFileSync(join(src, 'garbage.mp4'), Buffer.alloc(5000, 7))
    const jpg = readFileSync(join(fixtures!, 'images', imgs[2]))
    writeFileSync(join(src, 'truncated.jpg'), jpg.subarray(0, jpg.length >> 1))
    const clip = readFileSync(join(fixtures!, 'clip.mp4'))
    writeFileSync(join(src, 'half clip.mp4'), clip.subarray(0, clip.length >> 1)) // moov atom is at the end: nothing decodable
    // the same clip with the index first, cut in half: the first frames decode, then the data ends
    const fast = join(dir, 'fast.mp4')
    expect(spawnSync(ffmpegPath(), ['-v', 'error', '-y', '-i', join(fixtures!, 'clip.mp4'), '-c', 'copy', '-movflags', '+faststart', fast]).status).toBe(0)
    const fastBytes = readFileSync(fast)
    writeFileSync(join(src, 'cut.mp4'), fastBytes.subarray(0, fastBytes.length >> 1))
    writeFileSync(join(src, 'notes.txt'), 'not media: skipped by the scan')
    const locked = join(src, 'locked')
    mkdirSync(locked)
    copyFileSync(join(fixtures!, 'images', imgs[3]), join(locked, 'x.jpg'))
    chmodSync(locked, 0o000)
    const isRoot = process.getuid?.() === 0

    const lib = openLibrary(join(dir, 'bad.db'))
    const events: ImportProgressLike[] = []
    const q = new ImportQueue({ library: lib, engine: async () => engine, onProgress: (p) => events.push(p) })
    const jobId = await q.enqueue([src], { fps: 4 })
    await q.idle()
    expect(lib.imports.getJob(jobId)!.state).toBe('done')
    const items = Object.fromEntries(all(lib, 'SELECT path, state, error FROM import_items WHERE job_id = ?', jobId).map((r) => [r.path, r]))
    const item = (name: string) => items[join(src, name)] as { state: string; error: string | null }
    expect(item('Straße ü/plăcuțe noi/mașina 1.jpg').state).toBe('done')
    // same bytes under two names, both in flight at once: whichever commits first is imported, the other is a duplicate
    expect([item('b.jpg').state, item('copy of b.jpg').state].sort()).toEqual(['done', 'duplicate'])
    for (const bad of ['garbage.jpg', 'garbage.mp4', 'truncated.jpg', 'half clip.mp4', 'cut.mp4']) {
      expect(item(bad).state, bad).toBe('error')
      expect(item(bad).error, bad).toContain(join(src, bad))
    }
    expect(item('half clip.mp4').error).toMatch(/moov atom not found|Invalid data/)
    expect(item('cut.mp4').error).toMatch(/truncated or corrupt, decoded \d+/)
    if (!isRoot) expect(item('locked').error).toMatch(/permission denied/)
    expect(items[join(src, 'notes.txt')]).toBeUndefined()

    // the truncated video keeps the frames it could decode, flagged as an error with the cause
    const cut = one(lib, 'SELECT id, status, error FROM media WHERE path = ?', join(src, 'cut.mp4'))
    expect(cut.status).toBe('error')
    const cutFrames = one(lib, 'SELECT COUNT(*) AS n FROM frames WHERE media_id = ?', cut.id).n as number
    expect(cutFrames).toBeGreaterThan(0)
    expect(cutFrames).toBeLessThan(16)
    // duplicate: one media row, both paths remembered
    const b = { id: one(lib, 'SELECT media_id FROM media_paths WHERE path = ?', join(src, 'b.jpg')).media_id }
    expect(lib.reader.mediaPaths(b.id as number)).toEqual([join(src, 'b.jpg'), join(src, 'copy of b.jpg')])
    expect(one(lib, 'SELECT COUNT(*) AS n FROM media WHERE sha256 = (SELECT sha256 FROM media WHERE id = ?)', b.id).n).toBe(1)
    const unicodeMedia = lib.reader.listMedia(join(src, 'Straße ü'), 0, 10)
    expect(unicodeMedia.items.map((m) => m.path)).toEqual([join(uni, 'mașina 1.jpg')])
    const failures = lib.reader.importFailures(jobId, 0, 100)
    expect(failures.total).toBe(isRoot ? 5 : 6)
    const last = events.at(-1)!
    expect(last).toMatchObject({ jobId, state: 'done', filesFailed: failures.total })
    const mediaBefore = lib.reader.stats().media

    // re-import: nothing new is processed; one new file is
    copyFileSync(join(fixtures!, 'images', imgs[4]), join(uni, 'new one.jpg'))
    const job2 = await q.enqueue([src], { fps: 4 })
    await q.idle()
    const c2 = lib.imports.counts(job2)
    expect(c2.done).toBe(1)
    expect(c2.duplicate).toBe(isRoot ? 4 : 3) // the good files (root reads the locked folder too), by path+size+mtime
    expect(lib.reader.stats().media).toBe(mediaBefore + 1)
    expect(one(lib, 'SELECT state FROM import_items WHERE job_id = ? AND path = ?', job2, join(uni, 'new one.jpg')).state).toBe('done')
    expect(lib.integrityCheck().ok).toBe(true)
    lib.close()
  })

  it('library service: import, queue, previews, tracks and review through the handlers, with events', async () => {
    const src = join(dir, 'svc')
    mkdirSync(src)
    for (const f of images().slice(0, 3)) copyFileSync(join(fixtures!, 'images', f), join(src, f))
    copyFileSync(join(fixtures!, 'clip.mp4'), join(src, 'clip.mp4'))
    const lib = openLibrary(join(dir, 'svc.db'))
    const events: { name: EventName; payload: unknown }[] = []
    const svc = createLibraryService({
      library: lib,
      engine: async () => engine,
      user: 'tester',
      emit: <E extends EventName>(name: E, payload: Events[E]) => void events.push({ name, payload })
    })
    const h = svc.handlers
    const { jobId } = await h['library.import']({ paths: [src], fps: 2 })
    await svc.queue.idle()
    const st = await h['import.status']({})
    expect(st).toMatchObject({ jobId, state: 'done', filesTotal: 4, filesDone: 4, filesFailed: 0 })
    expect(events.some((e) => e.name === 'import.progress')).toBe(true)
    expect(events.some((e) => e.name === 'library.changed' && (e.payload as { reason: string }).reason === 'import')).toBe(true)
    const media = await h['media.list']({ offset: 0, limit: 10 })
    expect(media.total).toBe(4)

    const queue = await h['plates.list']({ filter: { state: 'unreviewed' }, sort: 'confidence', offset: 0, limit: 100 })
    expect(queue.total).toBeGreaterThan(3)
    const confs = queue.items.map((p) => p.confidence)
    expect(confs).toEqual([...confs].sort((a, b) => a - b))
    const imgPlate = queue.items.find((p) => p.mediaKind === 'image')!
    const full = await h['media.image']({ mediaId: imgPlate.mediaId, frameIdx: 0, maxSize: 640 })
    expect(full.dataUrl.startsWith('data:image/jpeg;base64,')).toBe(true)
    expect([full.width, full.height]).toEqual([640, 360])
    const crop = await h['media.image']({ mediaId: imgPlate.mediaId, frameIdx: 0, crop: imgPlate.box, maxSize: 256 })
    expect(crop.width).toBe(256) // plates are wider than high; small crops are enlarged to fit
    const videoMedia = media.items.find((m) => m.kind === 'video')!
    const tracks = await h['tracks.list']({ mediaId: videoMedia.id })
    expect(tracks.length).toBeGreaterThan(0)
    const frames = await h['tracks.frames']({ trackId: tracks[0].id })
    expect(frames).toHaveLength(tracks[0].detections)
    const vframe = await h['media.image']({ mediaId: videoMedia.id, frameIdx: frames[0].frameIdx, maxSize: 320 })
    expect([vframe.width, vframe.height]).toEqual([320, 180])
    await expect(Promise.resolve().then(() => h['tracks.frames']({ trackId: 99999 }))).rejects.toMatchObject({ code: 'not-found' })

    events.length = 0
    const c = await h['plates.correct']({ id: imgPlate.id, text: 'B99XYZ' })
    expect(c).toMatchObject({ text: 'B99XYZ', reviewState: 'corrected' })
    expect(events).toEqual([{ name: 'library.changed', payload: { reason: 'review', plateIds: [imgPlate.id] } }])
    const detail = await h['plates.get']({ id: imgPlate.id })
    expect(detail.history[0]).toMatchObject({ action: 'correct', by: 'tester' })
    expect(detail.frameWidth).toBe(1280)
    await h['plates.setBox']({ id: imgPlate.id, box: { x1: 1, y1: 2, x2: 30, y2: 12 } })
    const added = await h['plates.add']({ mediaId: videoMedia.id, frameIdx: 0, box: { x1: 10, y1: 10, x2: 90, y2: 30 }, text: 'CJ01AAA' })
    expect(added.reviewState).toBe('manual')
    const bulk = await h['plates.bulkConfirm']({ filter: {}, minConfidence: 0.5 })
    expect(bulk.count).toBeGreaterThan(0)
    const undone = await h['history.undo']({})
    expect(undone.undone).toBe(bulk.count)
    expect(events.at(-1)).toMatchObject({ name: 'library.changed', payload: { reason: 'undo' } })
    const hist = await h['history.list']({ offset: 0, limit: 100 })
    expect(hist.items.map((e) => e.action).filter((a) => a !== 'bulk-confirm' && a !== 'undo')).toEqual(['add', 'box', 'correct'])
    await expect(Promise.resolve().then(() => h['plates.get']({ id: 424242 }))).rejects.toMatchObject({ code: 'not-found' })
    await expect(Promise.resolve().then(() => h['plates.confirm']({ id: 424242 }))).rejects.toMatchObject({ code: 'not-found' })
    const s = await h['settings.set']({ videoFps: 1 })
    expect(s.videoFps).toBe(1)
    expect((await h['settings.get']({})).videoFps).toBe(1)
    expect((await h['library.stats']({})).reviewed).toBe(2)
    await svc.dispose()
    lib.close()
  })

  it('pause, resume and cancel a job', async () => {
    const src = join(dir, 'pause')
    mkdirSync(src)
    for (const f of images().slice(0, 8)) copyFileSync(join(fixtures!, 'images', f), join(src, f))
    const lib = openLibrary(join(dir, 'pause.db'))
    let paused = false
    const q: ImportQueue = new ImportQueue({
      library: lib,
      engine: async () => engine,
      concurrency: 1,
      onFile: () => {
        if (!paused) {
          paused = true
          q.pause(jobId)
        }
      }
    })
    const jobId = await q.enqueue([src])
    await q.idle()
    expect(lib.imports.getJob(jobId)!.state).toBe('paused')
    const c = lib.imports.counts(jobId)
    expect(c.pending).toBeGreaterThan(0)
    expect(c.done).toBeGreaterThan(0)
    q.resume(jobId)
    await q.idle()
    expect(lib.imports.getJob(jobId)!.state).toBe('done')
    expect(lib.imports.counts(jobId)).toMatchObject({ done: 8, pending: 0 })
    // cancel before it starts: everything pending becomes cancelled
    copyFileSync(join(fixtures!, 'clip.mp4'), join(src, 'clip.mp4'))
    const q2 = new ImportQueue({ library: lib, engine: async () => engine })
    const job2 = await q2.enqueue([join(src, 'clip.mp4')])
    const p = q2.cancel(job2)
    await q2.idle()
    expect(p.state).toBe('cancelled')
    expect(lib.imports.getJob(job2)!.state).toBe('cancelled')
    expect(lib.reader.stats().videos).toBe(0)
    lib.close()
  })
})

type ImportProgressLike = Events['import.progress']
