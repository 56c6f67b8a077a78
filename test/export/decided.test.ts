// Training data that is right: a detection export must never teach that a real plate is background. A
// library of the real fixture images is reviewed part way through the Writer (confirm, correct,
// illegible, reject, hand-drawn, bulk), then exported as YOLO; per image, the label file holds exactly
// its decided plates, and an image with an undecided plate is not exported at all (and is counted).
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLibrary, type Library } from '../../src/main/db/index'
import { planSplits, splitQuotas } from '../../src/main/export/common'
import { runExport } from '../../src/main/export/index'
import type { Box } from '../../src/shared/types'
import { FIXTURES_SKIP_REASON, fixturesDir, skipReason } from '../helpers/models'
import { readPlatesTsv } from './fixture-library'

const FIX = fixturesDir()

type Kind = 'decided' | 'partly' | 'unreviewed'

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON))('detection exports take fully decided images only', () => {
  let dir: string
  let lib: Library
  /** per media: how it was reviewed and the boxes that must be its labels */
  const images = new Map<number, { kind: Kind; labels: Box[] }>()

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-decided-'))
    lib = openLibrary(join(dir, 'lib.db'))
    const db = lib.db
    // every fixture plate as the model's unreviewed read (plain SQL stands in for the engine)
    const byImage = new Map<string, { box: Box; text: string }[]>()
    for (const p of readPlatesTsv(FIX!)) byImage.set(p.image, [...(byImage.get(p.image) ?? []), p])
    const plateIds = new Map<number, number[]>()
    for (const [image, plates] of byImage) {
      const path = join(FIX!, image)
      const sha = createHash('sha256').update(readFileSync(path)).digest('hex')
      const m = Number(db.prepare("INSERT INTO media (path, folder, sha256, kind, size, width, height, status) VALUES (?, ?, ?, 'image', ?, 1280, 720, 'done')").run(path, FIX, sha, statSync(path).size).lastInsertRowid)
      const f = Number(db.prepare('INSERT INTO frames (media_id, idx, width, height) VALUES (?, 0, 1280, 720)').run(m).lastInsertRowid)
      const ids = plates.map((p) =>
        Number(
          db.prepare("INSERT INTO plates (media_id, frame_id, x1, y1, x2, y2, text, model_text, confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0.6)")
            .run(m, f, p.box.x1, p.box.y1, p.box.x2, p.box.y2, p.text, p.text).lastInsertRowid
        )
      )
      plateIds.set(m, ids)
    }
    // review: images with several plates alternate fully decided / partly reviewed; single-plate images
    // alternate decided / untouched; every kind of decision occurs
    const decide = [
      (id: number) => lib.writer.confirm(id, 'test'),
      (id: number) => lib.writer.illegible(id, 'test'),
      (id: number) => lib.writer.correct(id, 'B99FIX', 'test'),
      (id: number) => lib.writer.reject(id, 'test')
    ]
    let k = 0
    let multi = 0
    let single = 0
    for (const [m, ids] of plateIds) {
      const kind: Kind = ids.length > 1 ? (multi++ % 2 === 0 ? 'decided' : 'partly') : single++ % 2 === 0 ? 'decided' : 'unreviewed'
      const toDecide = kind === 'decided' ? ids : kind === 'partly' ? ids.slice(0, 1) : []
      for (const id of toDecide) {
        const row = decide[k++ % decide.length](id)
        if (!row.text && row.reviewState === 'unreviewed') throw new Error('unexpected')
      }
      if (kind === 'decided' && m % 3 === 0) lib.writer.add(m, 0, { x1: 5, y1: 5, x2: 105, y2: 35 }, 'B01HND', 'test')
      const labels = (db.prepare("SELECT x1, y1, x2, y2 FROM plates WHERE media_id = ? AND review_state IN ('confirmed', 'corrected', 'illegible', 'manual')").all(m) as Box[])
      images.set(m, { kind, labels })
    }
    const kinds = [...images.values()].map((i) => i.kind)
    expect(kinds.filter((x) => x === 'partly').length).toBeGreaterThan(1)
    expect(kinds.filter((x) => x === 'unreviewed').length).toBeGreaterThan(1)
    expect(db.prepare("SELECT COUNT(*) AS n FROM plates WHERE review_state = 'illegible'").get()).not.toEqual({ n: 0 })
  })
  afterAll(() => {
    lib?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** label files of a YOLO export: media id → boxes in pixels (from the file name's _m<id>) */
  const readYolo = (out: string): Map<number, { split: string; boxes: Box[] }> => {
    const got = new Map<number, { split: string; boxes: Box[] }>()
    for (const split of ['train', 'val', 'test']) {
      for (const name of readdirSync(join(out, 'labels', split))) {
        const m = Number(/_m(\d+)\.txt$/.exec(name)![1])
        expect(readdirSync(join(out, 'images', split)).some((i) => i.startsWith(name.replace(/\.txt$/, '.')))).toBe(true)
        const boxes = readFileSync(join(out, 'labels', split, name), 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => {
            const [, cx, cy, w, h] = l.split(' ').map(Number)
            return { x1: (cx - w / 2) * 1280, y1: (cy - h / 2) * 720, x2: (cx + w / 2) * 1280, y2: (cy + h / 2) * 720 }
          })
        got.set(m, { split, boxes })
      }
    }
    return got
  }
  const sameBoxes = (a: Box[], b: Box[]): void => {
    expect(a.length).toBe(b.length)
    const s = (x: Box[]) => [...x].sort((p, q) => p.x1 - q.x1)
    s(a).forEach((box, i) => {
      for (const k of ['x1', 'y1', 'x2', 'y2'] as const) expect(Math.abs(box[k] - s(b)[i][k])).toBeLessThan(0.01)
    })
  }

  it('YOLO: a label file per fully decided image with exactly its decided plates; the rest left out and counted', async () => {
    const res = await runExport(lib.db, { format: 'yolo', outDir: join(dir, 'yolo') })
    const got = readYolo(join(dir, 'yolo'))
    for (const [m, img] of images) {
      if (img.kind === 'decided' && img.labels.length === 0) expect(got.has(m), `media ${m}: every plate rejected, nothing to teach`).toBe(false)
      else if (img.kind === 'decided') {
        expect(got.has(m), `fully decided media ${m} is exported`).toBe(true)
        sameBoxes(got.get(m)!.boxes, img.labels)
      } else expect(got.has(m), `${img.kind} media ${m} is left out`).toBe(false)
    }
    const count = (k: Kind) => [...images.values()].filter((i) => i.kind === k).length
    expect(res.leftOut).toEqual({ partlyReviewed: count('partly'), unreviewed: count('unreviewed') })
    // enough images for three splits: none is empty
    expect(new Set([...got.values()].map((g) => g.split))).toEqual(new Set(['train', 'val', 'test']))
  })

  it('taking unreviewed detections above a threshold as labels makes those images whole', async () => {
    const res = await runExport(lib.db, { format: 'yolo', outDir: join(dir, 'yolo-all'), includeUnreviewedAbove: 0.5 })
    const got = readYolo(join(dir, 'yolo-all'))
    for (const [m, img] of images) {
      const labels = lib.db.prepare("SELECT x1, y1, x2, y2 FROM plates WHERE media_id = ? AND review_state <> 'rejected'").all(m) as Box[]
      if (labels.length === 0) continue
      expect(got.has(m), `media ${m} (${img.kind})`).toBe(true)
      sameBoxes(got.get(m)!.boxes, labels)
    }
    expect(res.leftOut).toEqual({ partlyReviewed: 0, unreviewed: 0 })
    const above = await runExport(lib.db, { format: 'yolo', outDir: join(dir, 'yolo-high'), includeUnreviewedAbove: 0.7 })
    expect(above.leftOut!.partlyReviewed + above.leftOut!.unreviewed).toBeGreaterThan(0) // 0.6 < 0.7: undecided again
  })

  it('OCR data never holds an illegible plate', async () => {
    await runExport(lib.db, { format: 'paddleocr', outDir: join(dir, 'ocr') })
    const lines = readFileSync(join(dir, 'ocr', 'rec_gt.txt'), 'utf8').trim().split('\n')
    const want = lib.db.prepare("SELECT COUNT(*) AS n FROM plates WHERE review_state IN ('confirmed', 'corrected', 'manual')").get() as { n: number }
    expect(lines.length).toBe(want.n)
    for (const l of lines) expect(l.split('\t')[1]).toMatch(/^\S+$/)
    const illegible = (lib.db.prepare("SELECT id FROM plates WHERE review_state = 'illegible'").all() as { id: number }[]).map((r) => r.id)
    for (const id of illegible) expect(existsSync(join(dir, 'ocr', 'crops', `p${id}_f0.jpg`))).toBe(false)
  })
})

describe('split plan', () => {
  const keys = Array.from({ length: 17 }, (_, i) => createHash('sha256').update(`media ${i}`).digest('hex'))

  it('every split with a share is non-empty once there is enough data, and the plan is deterministic', () => {
    expect(splitQuotas(17)).toEqual([13, 2, 2]) // 13.6, 1.7, 1.7: largest remainders
    expect(splitQuotas(6)).toEqual([4, 1, 1])
    expect(splitQuotas(3)).toEqual([3, 0, 0]) // too few to split
    expect(splitQuotas(10, [1, 0, 0])).toEqual([10, 0, 0])
    const a = planSplits(keys)
    const b = planSplits([...keys].reverse())
    const splits = keys.map(a)
    expect(keys.map(b)).toEqual(splits) // order of discovery does not matter
    expect(splits.filter((s) => s === 'train')).toHaveLength(13)
    expect(splits.filter((s) => s === 'val')).toHaveLength(2)
    expect(splits.filter((s) => s === 'test')).toHaveLength(2)
  })
})
