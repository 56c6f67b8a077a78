// One video's frames are spread over every engine worker: the importer keeps a bounded window of frames
// in flight (every worker's inbox full plus one), recognises every sampled frame exactly once, and the
// result does not depend on the order in which the workers finish: each stored frame holds exactly
// what the engine finds on that frame alone, one frame at a time. Real engine, real ffmpeg, real SQLite.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLibrary } from '../../src/main/db/index'
import type { Engine } from '../../src/main/engine/types'
import { ImportProfile } from '../../src/main/importer/profile'
import { ImportQueue } from '../../src/main/importer/queue'
import { DEFAULT_MAX_SIDE } from '../../src/main/media/images'
import { decodeVideo } from '../../src/main/media/video'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, fixturesDir, modelsDir, skipReason } from '../helpers/models'

const fixtures = fixturesDir()
const skip = skipReason(!modelsDir() && MODELS_SKIP_REASON, !fixtures && FIXTURES_SKIP_REASON)

interface FrameRow {
  idx: number
  dets: string
}

describe.skipIf(skip)('video frames over all workers', () => {
  let dir: string
  let engine: Engine

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-video-workers-'))
    const { createEngine } = await import('../../src/main/engine/index')
    engine = await createEngine({ workers: 2 })
  })
  afterAll(async () => {
    await engine?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** every frame's detections as one comparable string: box to 0.01 px, score, text */
  const describeDets = (dets: { x1: number; y1: number; x2: number; y2: number; score: number; text: string | null }[]) =>
    dets
      .map((d) => `${[d.x1, d.y1, d.x2, d.y2].map((v) => v.toFixed(2)).join(',')} ${d.score.toFixed(4)} ${d.text ?? '-'}`)
      .sort()
      .join(' | ')

  it('recognises every sampled frame once, with the window full, and stores what a one-frame-at-a-time run finds', async () => {
    const clip = join(fixtures!, 'clip.mp4')
    // the engine as it is, counting how many frames are in flight at once
    let inFlight = 0
    let peak = 0
    let calls = 0
    const counting: Engine = {
      status: () => engine.status(),
      recognizeFile: (p, o) => engine.recognizeFile(p, o),
      recognizeRaw: (img, o) => {
        calls++
        peak = Math.max(peak, ++inFlight)
        return engine.recognizeRaw(img, o).finally(() => inFlight--)
      },
      close: async () => undefined
    }
    const lib = openLibrary(join(dir, 'lib.db'))
    const profile = new ImportProfile()
    const q = new ImportQueue({ library: lib, engine: async () => counting, profile })
    // every frame to the engine: every second frame of the clip repeats the one before it, which the
    // parked-camera skip would not send
    await q.enqueue([clip], { fps: 0, skipStatic: false })
    await q.idle()
    const media = lib.db.prepare(`SELECT id, status, error FROM media`).get() as { id: number; status: string; error: string | null }
    expect(media).toMatchObject({ status: 'done', error: null })

    // the reference: the same decoded frames, sent one at a time
    const sequential: FrameRow[] = []
    for await (const fr of decodeVideo(clip, { maxSide: DEFAULT_MAX_SIDE })) {
      const rec = await engine.recognizeRaw(fr.image)
      sequential.push({
        idx: fr.idx,
        dets: describeDets(rec.plates.map((p) => ({ ...p.detection.box, score: p.detection.score, text: p.read?.text ?? null })))
      })
    }
    expect(sequential.length).toBe(32) // 4 s at 8 fps

    // frames recognised == frames sampled, each exactly once
    expect(calls).toBe(sequential.length)
    const workers = engine.status().workers
    expect(workers).toBe(2)
    // both workers' inboxes were kept full (2 each) with one more frame ready, and never more than that
    expect(peak).toBe(2 * workers + 1)
    // the benchmarks' profile saw the same: every frame, the workers' time, one commit
    expect(profile.frames).toBe(sequential.length)
    expect(profile.workerMs).toBeGreaterThan(0)
    expect(profile.commits).toBe(1)
    expect(profile.ms.commit).toBeGreaterThan(0)

    const rows = lib.db
      .prepare(
        `SELECT f.idx, d.x1, d.y1, d.x2, d.y2, d.score, r.text FROM frames f
         LEFT JOIN detections d ON d.frame_id = f.id LEFT JOIN reads r ON r.detection_id = d.id
         WHERE f.media_id = ? ORDER BY f.idx`
      )
      .all(media.id) as { idx: number; x1: number | null; y1: number; x2: number; y2: number; score: number; text: string | null }[]
    const byFrame = new Map<number, typeof rows>()
    for (const r of rows) byFrame.set(r.idx, [...(byFrame.get(r.idx) ?? []), ...(r.x1 == null ? [] : [r])])
    const stored: FrameRow[] = [...byFrame.entries()].map(([idx, dets]) => ({ idx, dets: describeDets(dets as never) }))
    expect(stored).toEqual(sequential)
    // and the clip's plate is still read: the speed work changed nothing in what is found
    expect(sequential.some((f) => f.dets.includes('B21GSB'))).toBe(true)
    lib.close()
  })
})
