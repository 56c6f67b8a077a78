// What an import reports about itself: a cancelled job's done count is the files it really processed (not
// the total), and files skipped as duplicates are counted and listed with the file they repeat. Real
// engine (ONNX), real SQLite file, real fixture photos.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLibrary } from '../../src/main/db/index'
import type { Engine } from '../../src/main/engine/types'
import { ImportQueue } from '../../src/main/importer/queue'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, fixturesDir, modelsDir, skipReason } from '../helpers/models'

const fixtures = fixturesDir()
const skip = skipReason(!modelsDir() && MODELS_SKIP_REASON, !fixtures && FIXTURES_SKIP_REASON)

describe.skipIf(skip)('import counts', () => {
  let dir: string
  let engine: Engine
  const images = () => readdirSync(join(fixtures!, 'images')).filter((f) => f.endsWith('.jpg')).sort()

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-counts-'))
    const { createEngine } = await import('../../src/main/engine/index')
    engine = await createEngine({ workers: 1 })
  })
  afterAll(async () => {
    await engine?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a job cancelled part-way reports the files done before the cancel, also once it has stopped', async () => {
    const src = join(dir, 'cancel')
    mkdirSync(src)
    for (const f of images().slice(0, 8)) copyFileSync(join(fixtures!, 'images', f), join(src, f))
    const lib = openLibrary(join(dir, 'cancel.db'))
    let files = 0
    const q: ImportQueue = new ImportQueue({
      library: lib,
      engine: async () => engine,
      concurrency: 1,
      onFile: () => {
        if (++files === 2) q.pause(jobId)
      }
    })
    const jobId = await q.enqueue([src])
    await q.idle()
    expect(lib.imports.getJob(jobId)!.state).toBe('paused')
    const cancelled = q.cancel(jobId)
    await q.idle()
    const c = lib.imports.counts(jobId)
    expect(c.done).toBe(2)
    expect(c.cancelled).toBe(6)
    expect(cancelled).toMatchObject({ state: 'cancelled', filesTotal: 8, filesDone: 2 })
    expect(q.progress(jobId)).toMatchObject({ state: 'cancelled', filesTotal: 8, filesDone: 2, filesFailed: 0, filesDuplicate: 0 })
    expect(q.status()).toMatchObject({ jobId, filesDone: 2 })
    lib.close()
  })

  it('counts duplicates and lists each with the file it repeats', async () => {
    const src = join(dir, 'dups')
    mkdirSync(src)
    const [a, b] = images()
    copyFileSync(join(fixtures!, 'images', a), join(src, a))
    copyFileSync(join(fixtures!, 'images', b), join(src, b))
    copyFileSync(join(fixtures!, 'images', a), join(src, 'same-as-a.jpg'))
    const lib = openLibrary(join(dir, 'dups.db'))
    const seen: number[] = []
    const q = new ImportQueue({ library: lib, engine: async () => engine, onProgress: (p) => seen.push(p.filesDuplicate) })
    const jobId = await q.enqueue([src])
    await q.idle()
    expect(q.progress(jobId)).toMatchObject({ state: 'done', filesTotal: 3, filesDone: 3, filesDuplicate: 1, filesFailed: 0 })
    expect(seen.at(-1)).toBe(1) // the live count the UI gets
    const dups = lib.reader.importDuplicates(jobId)
    expect(dups.total).toBe(1)
    expect([dups.items[0].path, dups.items[0].duplicateOf].sort()).toEqual([join(src, a), join(src, 'same-as-a.jpg')].sort())
    // importing the folder again: all three are known, all three reported as duplicates
    const again = await q.enqueue([src])
    await q.idle()
    expect(q.progress(again)).toMatchObject({ filesTotal: 3, filesDone: 3, filesDuplicate: 3 })
    expect(lib.reader.importDuplicates(again).items.map((d) => d.duplicateOf).every(Boolean)).toBe(true)
    lib.close()
  })
})
