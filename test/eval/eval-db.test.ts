import type { SqliteDb } from '../../src/main/db/index'
// `eval --db`: a hand-built library with known reviews gives known numbers, through the function, the
// CLI and the service handler.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLibrary, type Library } from '../../src/main/db/index'
import { evaluateLibrary } from '../../src/main/eval/library'
import { createTrainingHandlers } from '../../src/main/services/training'
import type { Box, EvalReport, ReviewState } from '../../src/shared/types'
import { REPO_ROOT } from '../helpers/models'

interface P {
  state: ReviewState
  box: Box
  det?: Box
  text: string
  model?: string
  region?: string
}

const b = (x1: number, y1: number, x2: number, y2: number): Box => ({ x1, y1, x2, y2 })

// frame → plates; see the expected numbers below
const FRAMES: { folder: string; plates: P[] }[] = [
  {
    folder: '/data/a',
    plates: [
      { state: 'confirmed', box: b(100, 100, 200, 130), det: b(100, 100, 200, 130), text: 'B21GSB', model: 'B21GSB', region: 'ro' }, // TP exact
      { state: 'corrected', box: b(300, 100, 400, 130), det: b(300, 100, 400, 130), text: 'B21GSB', model: 'B21GS8', region: 'ro' }, // TP 5/6
      { state: 'rejected', box: b(500, 100, 600, 130), det: b(500, 100, 600, 130), text: 'XX11', model: 'XX11' }, // FP
      { state: 'manual', box: b(700, 100, 800, 130), text: 'CJ10XYZ' } // FN
    ]
  },
  {
    folder: '/data/b',
    plates: [
      { state: 'corrected', box: b(400, 400, 500, 430), det: b(100, 100, 200, 130), text: 'IF07KLM', model: 'IF07KLN', region: 'md' }, // box moved: FN + FP
      { state: 'confirmed', box: b(12, 10, 110, 41), det: b(10, 10, 110, 40), text: 'AB123CD', model: 'AB123CD', region: 'md' }, // TP exact
      { state: 'unreviewed', box: b(900, 100, 1000, 130), det: b(900, 100, 1000, 130), text: 'ZZ99', model: 'ZZ99' }, // not judged
      { state: 'corrected', box: b(300, 300, 400, 330), det: b(300, 300, 400, 330), text: 'B99XYZ', model: 'B9XYZ', region: 'md' } // TP 5/6
    ]
  },
  // nothing reviewed on this frame: ignored
  { folder: '/data/b', plates: [{ state: 'unreviewed', box: b(1, 1, 50, 20), det: b(1, 1, 50, 20), text: 'QQ1', model: 'QQ1' }] },
  {
    folder: '/data/a',
    plates: [
      // a model plate left unreviewed next to an imported label: they match, the read is scored
      { state: 'unreviewed', box: b(50, 50, 150, 80), det: b(50, 50, 150, 80), text: 'B55MAN', model: 'B55MAN' },
      { state: 'manual', box: b(52, 50, 150, 80), text: 'B55MAN' }
    ]
  }
]

function expectReport(r: EvalReport): void {
  expect(r.detection.truePositives).toBe(5)
  expect(r.detection.falsePositives).toBe(2)
  expect(r.detection.falseNegatives).toBe(2)
  expect(r.detection.precision).toBeCloseTo(5 / 7, 9)
  expect(r.detection.recall).toBeCloseTo(5 / 7, 9)
  expect(r.plates).toBe(5)
  expect(r.exactAccuracy).toBeCloseTo(3 / 5, 9)
  expect(r.charAccuracy).toBeCloseTo((3 + 5 / 6 + 5 / 6) / 5, 9)
  expect(r.confusion).toEqual([
    { truth: '9', read: '', count: 1 },
    { truth: 'B', read: '8', count: 1 }
  ])
  expect(r.byRegion).toEqual([
    { key: 'md', plates: 2, exactAccuracy: 0.5 },
    { key: 'ro', plates: 2, exactAccuracy: 0.5 },
    { key: '(none)', plates: 1, exactAccuracy: 1 }
  ])
  expect(r.bySource).toEqual([
    { key: '/data/a', plates: 3, exactAccuracy: 2 / 3 },
    { key: '/data/b', plates: 2, exactAccuracy: 0.5 }
  ])
}

describe('eval --db on a library with known reviews', () => {
  let dir: string
  let lib: Library

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-evaldb-'))
    lib = openLibrary(join(dir, 'lib.db'))
    const db = lib.db as SqliteDb
    db.transaction(() => {
      FRAMES.forEach((fr, i) => {
        const mediaId = Number(
          db.prepare("INSERT INTO media (path, folder, sha256, kind, size, width, height, status) VALUES (?, ?, ?, 'image', 1, 1280, 720, 'done')").run(`${fr.folder}/${i}.jpg`, fr.folder, `sha${i}`)
            .lastInsertRowid
        )
        const frameId = Number(db.prepare('INSERT INTO frames (media_id, idx, width, height) VALUES (?, 0, 1280, 720)').run(mediaId).lastInsertRowid)
        for (const p of fr.plates) {
          let detId: number | null = null
          if (p.det) {
            detId = Number(
              db.prepare("INSERT INTO detections (frame_id, media_id, x1, y1, x2, y2, score, detector) VALUES (?, ?, ?, ?, ?, ?, 0.9, 'd')").run(frameId, mediaId, p.det.x1, p.det.y1, p.det.x2, p.det.y2)
                .lastInsertRowid
            )
            db.prepare("INSERT INTO reads (detection_id, text, confidence, char_confidences, candidates, region, recognizer) VALUES (?, ?, 0.8, '[]', '[]', ?, 'r')").run(detId, p.model!, p.region ?? null)
          }
          // the unreviewed/imported pair leaves plates.model_text null on purpose: the read comes from `reads`
          const modelText = p.det && p.state !== 'unreviewed' ? p.model! : null
          db.prepare(
            `INSERT INTO plates (media_id, frame_id, detection_id, x1, y1, x2, y2, text, model_text, confidence, region, review_state)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0.8, ?, ?)`
          ).run(mediaId, frameId, detId, p.box.x1, p.box.y1, p.box.x2, p.box.y2, p.text, modelText, p.region ?? null, p.state)
        }
      })
    })()
  })
  afterAll(() => {
    lib?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('evaluateLibrary gives the expected detection, exact and char accuracy', () => {
    expectReport(evaluateLibrary(lib.db))
  })

  it('the service handler eval.run gives the same report', async () => {
    const h = createTrainingHandlers({ library: lib, emit: () => {} })
    expectReport(await h['eval.run']({}))
  })

  it('platedesk eval --db FILE --json prints it (read-only open of a live WAL library)', () => {
    const out = execFileSync(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), 'eval', '--db', join(dir, 'lib.db'), '--json'], { encoding: 'utf8' })
    expectReport(JSON.parse(out) as EvalReport)
    const text = execFileSync(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), 'eval', '--db', join(dir, 'lib.db')], { encoding: 'utf8' })
    expect(text).toMatch(/exact 0\.600/)
    expect(text).toMatch(/recall 0\.714/)
  })
})
