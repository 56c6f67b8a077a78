import type { SqliteDb } from '../../src/main/db/index'
// A 50,000-plate library exports as CSV (and OpenALPR JSON) in constant memory: the rows are paged out of
// SQLite and written with back-pressure, so the live heap after GC stays near one page whatever the size.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLibrary } from '../../src/main/db/index'
import { REPO_ROOT } from '../helpers/models'

const N = 50_000

describe('streamed export of a 50,000-plate library', () => {
  let dir: string
  let dbFile: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-stream-'))
    dbFile = join(dir, 'big.db')
    const lib = openLibrary(dbFile)
    const db = lib.db as SqliteDb
    const media = db.prepare("INSERT INTO media (path, folder, sha256, kind, size, width, height, status) VALUES (?, ?, ?, 'image', 100000, 1920, 1080, 'done')")
    const frame = db.prepare('INSERT INTO frames (media_id, idx, width, height) VALUES (?, 0, 1920, 1080)')
    const plate = db.prepare(`INSERT INTO plates (media_id, frame_id, x1, y1, x2, y2, text, model_text, confidence, region, review_state, reviewed_at, reviewed_by)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'ro', ?, '2026-01-01T00:00:00.000Z', 'test')`)
    const states = ['confirmed', 'corrected', 'manual', 'confirmed', 'rejected']
    db.transaction(() => {
      // 25,000 images with 2 plates each, 4 in 5 of them reviewed (not rejected)
      for (let i = 0; i < N / 2; i++) {
        const m = Number(media.run(`/photos/batch-${i % 50}/IMG_${String(i).padStart(6, '0')}.jpg`, `/photos/batch-${i % 50}`, `sha-${i}`).lastInsertRowid)
        const f = Number(frame.run(m).lastInsertRowid)
        for (let k = 0; k < 2; k++) {
          const n = 2 * i + k
          const text = `B${String(n % 100).padStart(2, '0')}XYZ`
          plate.run(m, f, 100 + k * 400, 500, 260 + k * 400, 540, text, text, 0.9, states[n % 5])
        }
      }
    })()
    lib.close()
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const runChild = async (format: string) => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', join(REPO_ROOT, 'test/export/stream-child.ts'), dbFile, join(dir, format), format], {
      cwd: REPO_ROOT,
      encoding: 'utf8'
    })
    return JSON.parse(stdout) as { labels: number; total: number; peakHeapMB: number; peakRssMB: number; samples: number; ms: number }
  }

  it('CSV: 40,000 selected rows written, live heap growth stays under 12 MB', async () => {
    const r = await runChild('csv')
    console.log(`csv export of ${r.labels} plates: ${r.ms.toFixed(0)} ms, peak live heap +${r.peakHeapMB.toFixed(1)} MB, peak RSS +${r.peakRssMB.toFixed(1)} MB (noisy shared CPU)`)
    expect(r.total).toBe(40_000)
    expect(r.labels).toBe(40_000)
    expect(r.samples).toBeGreaterThan(150)
    const lines = readFileSync(join(dir, 'csv', 'plates.csv'), 'utf8').trimEnd().split('\n')
    expect(lines).toHaveLength(40_001)
    expect(lines.slice(1).some((l) => l.includes(',rejected,'))).toBe(false)
    // holding all 40k rows (as .all() would) takes tens of MB; one page of 2,000 rows takes ~1-2 MB
    expect(r.peakHeapMB).toBeLessThan(12)
    expect(r.peakRssMB).toBeLessThan(150)
  })

  it('OpenALPR JSON: same bound', async () => {
    const r = await runChild('json')
    console.log(`json export of ${r.labels} plates: ${r.ms.toFixed(0)} ms, peak live heap +${r.peakHeapMB.toFixed(1)} MB, peak RSS +${r.peakRssMB.toFixed(1)} MB`)
    expect(r.labels).toBe(40_000)
    const parsed = JSON.parse(readFileSync(join(dir, 'json', 'plates.json'), 'utf8')) as { results: unknown[] }[]
    expect(parsed).toHaveLength(25_000 - 0) // every image has at least one selected plate
    expect(parsed.reduce((a, i) => a + i.results.length, 0)).toBe(40_000)
    expect(r.peakHeapMB).toBeLessThan(12)
  })
})
