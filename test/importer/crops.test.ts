// Plate crops with Chinese text, end to end through the backend: an import with the China profile in
// crop mode (no detection, the whole image is the plate), the reads in SQLite with the model that made
// them, and the exports (OCR CSV, PaddleOCR list + its character dictionary, CSV and OpenALPR JSON
// reports) in UTF-8; then `platedesk recognize --crops` on the same crops, with its accuracy line.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, parse } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLibrary, type Library } from '../../src/main/db/index'
import type { Engine } from '../../src/main/engine/types'
import { runExport } from '../../src/main/export/index'
import { createBackend } from '../../src/main/services/app'
import { createLibraryService } from '../../src/main/services/library'
import { profileById } from '../../src/shared/profiles'
import { MODELS_SKIP_REASON, REPO_ROOT, SHARED_DIR, modelsDir, skipReason } from '../helpers/models'

const CROPS = join(SHARED_DIR, 'datasets', 'lprnet-plates', 'crops')
// five provinces, all read right by the model
const PICK = ['京PL3N67.jpg', '川JK0707.jpg', '沪AMS087.jpg', '浙A6MX97.jpg']
const haveCrops = PICK.every((f) => existsSync(join(CROPS, f)))
const skip = skipReason(!modelsDir() && MODELS_SKIP_REASON, !haveCrops && `plate crops not found in ${CROPS}`)

describe.skipIf(skip)('plate crops with the China profile', () => {
  let dir: string
  let src: string
  let engine: Engine
  let lib: Library

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-crops-'))
    src = join(dir, 'crops')
    mkdirSync(src)
    const anhui = readdirSync(CROPS).filter((f) => f.startsWith('皖')).sort().slice(0, 2)
    for (const f of [...PICK, ...anhui]) copyFileSync(join(CROPS, f), join(src, f))
    const { createEngine } = await import('../../src/main/engine/index')
    // the app's engine: detector + the settings' Latin pair; the import asks for LPRNet per request
    engine = await createEngine({ workers: 1 })
    lib = openLibrary(join(dir, 'lib.db'))
  })
  afterAll(async () => {
    lib?.close()
    await engine?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('imports each crop as one plate (box = whole image) read by lprnet-china; exports keep the text in UTF-8', async () => {
    const svc = createLibraryService({ library: lib, engine: async () => engine, emit: () => undefined, resume: false })
    const { jobId } = await svc.handlers['library.import']({ paths: [src], profile: 'china', crops: true })
    await svc.queue.idle()
    expect(lib.imports.getJob(jobId)!.options).toMatchObject({ recognizerId: 'lprnet-china', crops: true })
    const rows = lib.db
      .prepare(
        `SELECT m.path, m.width, m.height, d.x1, d.y1, d.x2, d.y2, d.detector, r.text, r.recognizer, p.text AS plate
           FROM media m JOIN detections d ON d.media_id = m.id JOIN reads r ON r.detection_id = d.id
           JOIN plates p ON p.detection_id = d.id ORDER BY m.path`
      )
      .all() as Record<string, unknown>[]
    const files = readdirSync(src).sort()
    expect(rows).toHaveLength(files.length)
    for (const r of rows) {
      expect(r).toMatchObject({ x1: 0, y1: 0, x2: r.width, y2: r.height, detector: 'crop', recognizer: 'lprnet-china' })
      expect(r.plate).toBe(r.text)
    }
    // the province characters are stored as they are
    for (const f of PICK) expect(rows.find((r) => String(r.path).endsWith(f))?.text).toBe(parse(f).name)

    const texts = PICK.map((f) => parse(f).name)
    const ocr = await runExport(lib.db, { format: 'ocr', outDir: join(dir, 'ocr'), includeUnreviewedAbove: 0 })
    expect(ocr.failures).toEqual([])
    const csv = readFileSync(join(dir, 'ocr', 'labels.csv'), 'utf8')
    for (const t of texts) expect(csv).toContain(`,${t}`)

    await runExport(lib.db, { format: 'paddleocr', outDir: join(dir, 'paddle'), includeUnreviewedAbove: 0 })
    const list = readFileSync(join(dir, 'paddle', 'rec_gt.txt'), 'utf8')
    for (const t of texts) expect(list).toContain(`\t${t}\n`)
    // the dictionary: every character of the texts, one per line, each once
    const dict = readFileSync(join(dir, 'paddle', 'dict.txt'), 'utf8').split('\n').filter(Boolean)
    expect(new Set(dict).size).toBe(dict.length)
    for (const t of texts) for (const ch of t) expect(dict).toContain(ch)
    expect(dict).toEqual(expect.arrayContaining(['京', '川', '沪', '浙', '皖']))

    await runExport(lib.db, { format: 'csv', outDir: join(dir, 'report'), includeUnreviewedAbove: 0 })
    const report = readFileSync(join(dir, 'report', 'plates.csv'), 'utf8')
    for (const t of texts) expect(report).toContain(t)
    await runExport(lib.db, { format: 'json', outDir: join(dir, 'json'), includeUnreviewedAbove: 0 })
    const json = readFileSync(join(dir, 'json', 'plates.json'), 'utf8')
    // OpenALPR's shape, the characters themselves (no \u escapes)
    const compact = JSON.stringify(JSON.parse(json))
    for (const t of texts) {
      expect(json).toContain(t)
      expect(compact).toContain(`"plate":"${t}"`)
    }
  }, 300_000)

  it('platedesk recognize --crops: one OpenALPR result per crop, the box the whole image, and the accuracy line', () => {
    const r = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'bin/platedesk.js'), 'recognize', '--crops', '--recognizer', 'lprnet-china', '--format', 'jsonl', '--accuracy', '-w', '1', src],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 240_000 }
    )
    expect(r.status, r.stderr).toBe(0)
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; img_width: number; img_height: number; results: { plate: string; coordinates: { x: number; y: number }[]; candidates: unknown[] }[] })
    expect(lines).toHaveLength(readdirSync(src).length)
    for (const o of lines) {
      expect(o.results).toHaveLength(1)
      expect(o.results[0]!.coordinates).toEqual([
        { x: 0, y: 0 },
        { x: o.img_width, y: 0 },
        { x: o.img_width, y: o.img_height },
        { x: 0, y: o.img_height }
      ])
      expect(o.results[0]!.candidates.length).toBeGreaterThan(1)
    }
    for (const f of PICK) expect(lines.find((o) => o.file.endsWith(f))?.results[0]!.plate).toBe(parse(f).name)
    expect(r.stderr).toMatch(/exact-plate accuracy: \d+\/6 = [\d.]+%, character accuracy [\d.]+% \(file name = plate text\)/)
  }, 300_000)

  it('the China profile chosen in Settings reads the next import (no per-import choice)', async () => {
    const backend = await createBackend({ dbPath: join(dir, 'settings.db'), mode: 'web', user: 'test' })
    try {
      const s = await backend.call('settings.set', { recognizerId: profileById('china')!.recognizerId })
      expect(s.recognizerId).toBe('lprnet-china')
      await backend.call('library.import', { paths: [join(src, PICK[0]!)], crops: true })
      await expect
        .poll(async () => (await backend.call('import.status', {}))?.state, { timeout: 120_000, interval: 200 })
        .toBe('done')
      const plates = await backend.call('plates.list', { filter: { state: 'all' } })
      expect(plates.items.map((p) => p.text)).toEqual([parse(PICK[0]!).name])
      const info = await backend.call('app.info', {})
      expect(info.engine.recognizer).toBe('lprnet-china')
    } finally {
      await backend.close()
    }
  }, 300_000)
})
