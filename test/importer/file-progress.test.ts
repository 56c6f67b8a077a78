// Issue 9, item 9: a long video is one file, so files done/total said "0 / 1" with no estimate until it
// ended. import.progress now carries the frames done of the video's expected total and a time left, for
// the file and (while no file has finished) for the job. Real ffmpeg, real engine, real SQLite.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLibrary } from '../../src/main/db/index'
import type { Engine } from '../../src/main/engine/types'
import { expectedFrames } from '../../src/main/importer/queue'
import { ffmpegPath } from '../../src/main/media/probe'
import { createLibraryService } from '../../src/main/services/library'
import type { ImportProgress } from '../../src/shared/types'
import { MODELS_SKIP_REASON, modelsDir, skipReason } from '../helpers/models'

describe('expected frames of a video', () => {
  it('is duration x sampling rate, else the container count, else duration x fps', () => {
    expect(expectedFrames({ durationS: 10, fps: 30, frames: 300 }, 4)).toBe(40)
    expect(expectedFrames({ durationS: 10, fps: 30, frames: 301 }, 0)).toBe(301)
    expect(expectedFrames({ durationS: 10, fps: 25, frames: null }, 0)).toBe(250)
    expect(expectedFrames({ durationS: null, fps: 25, frames: null }, 0)).toBeNull()
  })
})

describe.skipIf(skipReason(!modelsDir() && MODELS_SKIP_REASON))('progress inside a video', () => {
  let dir: string
  let engine: Engine
  const FRAMES = 150
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-fileprog-'))
    mkdirSync(join(dir, 'in'))
    // many tiny frames: cheap to recognise, but one file
    const r = spawnSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=96x64:rate=50:duration=${FRAMES / 50}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', join(dir, 'in', 'many.mp4')], { encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    const { createEngine } = await import('../../src/main/engine/index')
    engine = await createEngine({ workers: 1 })
  })
  afterAll(async () => {
    await engine?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('import.progress reports frames done of the total and a time left while the only file runs', async () => {
    const lib = openLibrary(join(dir, 'lib.db'))
    const events: ImportProgress[] = []
    const svc = createLibraryService({
      library: lib,
      engine: async () => engine,
      emit: (name, payload) => {
        if (name === 'import.progress') events.push(structuredClone(payload as ImportProgress))
      }
    })
    try {
      const { jobId } = await svc.handlers['library.import']({ paths: [join(dir, 'in')], fps: 0 })
      await svc.queue.idle()
      expect(lib.imports.getJob(jobId)!.state).toBe('done')
      const mid = events.filter((e) => e.state === 'running' && e.filesDone === 0 && e.fileProgress && e.fileProgress.framesDone > 0 && e.fileProgress.framesDone < FRAMES)
      expect(mid.length).toBeGreaterThanOrEqual(2)
      for (const e of mid) {
        expect(e.filesTotal).toBe(1)
        expect(e.fileProgress!.path).toBe(join(dir, 'in', 'many.mp4'))
        expect(e.fileProgress!.framesTotal).toBe(FRAMES)
        expect(e.fileProgress!.framesPerSecond).toBeGreaterThan(0)
        expect(e.fileProgress!.etaSeconds).not.toBeNull()
        expect(e.etaSeconds).toBe(e.fileProgress!.etaSeconds) // the job's estimate before any file is done
      }
      // frames only go forward
      const done = mid.map((e) => e.fileProgress!.framesDone)
      expect([...done].sort((a, b) => a - b)).toEqual(done)
      // once the file is committed the in-file progress is gone
      const last = events.at(-1)!
      expect(last).toMatchObject({ state: 'done', filesDone: 1, fileProgress: null })
      const n = lib.db.prepare('SELECT COUNT(*) AS n FROM frames').get() as { n: number }
      expect(n.n).toBe(FRAMES)
    } finally {
      await svc.dispose()
      lib.close()
    }
  }, 300_000)
})
