// Round trips: export a real library (fixture images + clip.mp4) in every format, read the files back with
// small readers written here (not the exporters' code), and compare with the database.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runExport } from '../../src/main/export/index'
import { decodeVideo } from '../../src/main/media/video'
import type { ExportOptions } from '../../src/shared/types'
import { FIXTURES_SKIP_REASON, fixturesDir, skipReason } from '../helpers/models'
import { buildFixtureLibrary, type FixtureLibrary } from './fixture-library'

const FIX = fixturesDir()

interface Lbl {
  plateId: number
  x1: number
  y1: number
  x2: number
  y2: number
  text: string
  state: string
}

/** expected frames (key `m<media>` for images, `m<media>_f<idx>` for video frames) → labels, from plain SQL */
function expectedFrames(f: FixtureLibrary, minConf: number | null, video: 'best' | number): Map<string, Lbl[]> {
  const db = f.lib.db
  const sel = (db
    .prepare(
      `SELECT p.id AS plateId, p.media_id AS mediaId, p.frame_id AS frameId, p.track_id AS trackId, f.idx, m.kind,
         p.x1, p.y1, p.x2, p.y2, p.text, p.review_state AS state
       FROM plates p JOIN frames f ON f.id = p.frame_id JOIN media m ON m.id = p.media_id
       WHERE p.review_state IN ('confirmed', 'corrected', 'manual') OR (p.review_state = 'unreviewed' AND p.confidence >= ?)`
    )
    .all(minConf ?? 9) as (Lbl & { mediaId: number; frameId: number; trackId: number | null; idx: number; kind: string })[])
    .filter((p) => p.mediaId !== f.missingMediaId)
  const out = new Map<string, Lbl[]>()
  const push = (key: string, l: Lbl): void => {
    const list = out.get(key) ?? []
    list.push(l)
    out.set(key, list)
  }
  const lbl = (p: Lbl, b: { x1: number; y1: number; x2: number; y2: number }): Lbl => ({ plateId: p.plateId, text: p.text, state: p.state, x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2 })
  for (const p of sel.filter((p) => p.kind === 'image')) push(`m${p.mediaId}`, lbl(p, p))
  // video: chosen frames, then every selected plate visible on each chosen frame
  const vids = sel.filter((p) => p.kind === 'video')
  const dets = db.prepare('SELECT d.track_id AS trackId, d.frame_id AS frameId, f.idx, d.x1, d.y1, d.x2, d.y2 FROM detections d JOIN frames f ON f.id = d.frame_id WHERE d.track_id = ? ORDER BY f.idx')
  const chosen = new Map<number, { mediaId: number; idx: number }>()
  for (const p of vids) {
    const track = p.trackId != null ? (dets.all(p.trackId) as { frameId: number; idx: number }[]) : []
    if (video === 'best' || track.length === 0) chosen.set(p.frameId, { mediaId: p.mediaId, idx: p.idx })
    else track.forEach((d, k) => k % video === 0 && chosen.set(d.frameId, { mediaId: p.mediaId, idx: d.idx }))
  }
  for (const [frameId, fr] of chosen) {
    for (const p of vids) {
      if (p.frameId === frameId) push(`m${fr.mediaId}_f${fr.idx}`, lbl(p, p))
      else if (p.trackId != null) {
        const d = (dets.all(p.trackId) as { frameId: number; x1: number; y1: number; x2: number; y2: number }[]).find((d) => d.frameId === frameId)
        if (d) push(`m${fr.mediaId}_f${fr.idx}`, lbl(p, d))
      }
    }
  }
  // a detection export leaves out every frame on which a plate nobody decided is visible (unreviewed,
  // below the threshold): its own frame, or a frame where its track has a detection
  const undecided = db
    .prepare(
      `SELECT p.media_id AS mediaId, p.frame_id AS frameId, p.track_id AS trackId, f.idx, m.kind FROM plates p
       JOIN frames f ON f.id = p.frame_id JOIN media m ON m.id = p.media_id
       WHERE p.review_state = 'unreviewed' AND p.confidence < ?`
    )
    .all(minConf ?? 9) as { mediaId: number; frameId: number; trackId: number | null; idx: number; kind: string }[]
  for (const u of undecided) {
    if (u.kind === 'image') out.delete(`m${u.mediaId}`)
    else {
      out.delete(`m${u.mediaId}_f${u.idx}`)
      if (u.trackId != null) for (const d of dets.all(u.trackId) as { idx: number }[]) out.delete(`m${u.mediaId}_f${d.idx}`)
    }
  }
  return out
}

function keyOf(file: string): string {
  const m = /_m(\d+)(?:_f(\d+))?\.\w+$/.exec(basename(file))
  if (!m) throw new Error(`unexpected exported file name ${file}`)
  return m[2] != null ? `m${m[1]}_f${m[2]}` : `m${m[1]}`
}

const byX = (a: { x1: number }, b: { x1: number }): number => a.x1 - b.x1

function expectBoxes(actual: { x1: number; y1: number; x2: number; y2: number; text?: string }[], expected: Lbl[], tol: number, withText: boolean): void {
  expect(actual.length).toBe(expected.length)
  const a = [...actual].sort(byX)
  const e = [...expected].sort(byX)
  a.forEach((b, i) => {
    for (const k of ['x1', 'y1', 'x2', 'y2'] as const) expect(Math.abs(b[k] - e[i][k])).toBeLessThanOrEqual(tol)
    if (withText) expect(b.text).toBe(e[i].text)
  })
}

/** minimal CSV reader (quoted fields, doubled quotes) */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let q = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (q) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++
      else if (c === '"') q = false
      else field += c
    } else if (c === '"') q = true
    else if (c === ',') row.push(field), (field = '')
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '')
    else if (c !== '\r') field += c
  }
  if (field || row.length) row.push(field), rows.push(row)
  return rows
}

/** regex VOC reader: filename, size, objects with bndbox and <text> */
function readVoc(xml: string): { filename: string; width: number; height: number; objects: { x1: number; y1: number; x2: number; y2: number; text: string; plateId: number }[] } {
  const tag = (s: string, t: string): string => (new RegExp(`<${t}>([^<]*)</${t}>`).exec(s) ?? [])[1] ?? ''
  const objects = [...xml.matchAll(/<object>([\s\S]*?)<\/object>/g)].map((m) => ({
    x1: Number(tag(m[1], 'xmin')),
    y1: Number(tag(m[1], 'ymin')),
    x2: Number(tag(m[1], 'xmax')),
    y2: Number(tag(m[1], 'ymax')),
    text: tag(m[1], 'text'),
    plateId: Number(tag(m[1], 'plate_id'))
  }))
  return { filename: tag(xml, 'filename'), width: Number(tag(xml, 'width')), height: Number(tag(xml, 'height')), objects }
}

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON))('export round trips', () => {
  let f: FixtureLibrary
  let rejectedIds: Set<number>
  const run = (o: Partial<ExportOptions> & Pick<ExportOptions, 'format'>, dir: string) => runExport(f.lib.db, { outDir: join(f.dir, dir), ...o })

  beforeAll(() => {
    f = buildFixtureLibrary(FIX!, { withVideo: true, withMissing: true })
    rejectedIds = new Set((f.lib.db.prepare("SELECT id FROM plates WHERE review_state = 'rejected'").all() as { id: number }[]).map((r) => r.id))
    expect(rejectedIds.size).toBeGreaterThan(2)
  })
  afterAll(() => f?.close())

  it('YOLO: every box within a pixel, reviewed only, deterministic split, video frames in one split', async () => {
    const res = await run({ format: 'yolo' }, 'yolo')
    // the missing file is reported by name and did not stop the batch
    expect(res.failures.map((x) => x.path)).toEqual([join(FIX!, 'images', 'no-such-file.jpg')])
    const expected = expectedFrames(f, null, 'best')
    const seen = new Map<string, string>()
    for (const split of ['train', 'val', 'test']) {
      for (const img of readdirSync(join(f.dir, 'yolo', 'images', split))) {
        const key = keyOf(img)
        seen.set(key, split)
        const meta = await sharp(join(f.dir, 'yolo', 'images', split, img)).metadata()
        const label = join(f.dir, 'yolo', 'labels', split, img.replace(/\.\w+$/, '.txt'))
        const boxes = readFileSync(label, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => {
            const [cls, cx, cy, w, h] = l.split(' ').map(Number)
            expect(cls).toBe(0)
            return { x1: (cx - w / 2) * meta.width!, y1: (cy - h / 2) * meta.height!, x2: (cx + w / 2) * meta.width!, y2: (cy + h / 2) * meta.height! }
          })
        expect(expected.has(key), `unexpected frame ${key}`).toBe(true)
        expectBoxes(boxes, expected.get(key)!, 1, false)
      }
    }
    expect([...seen.keys()].sort()).toEqual([...expected.keys()].sort())
    expect(readFileSync(join(f.dir, 'yolo', 'data.yaml'), 'utf8')).toMatch(/train: images\/train[\s\S]*nc: 1/)

    // same library, another run, every Nth video frame: same split for every image, one split per video
    await run({ format: 'yolo', videoFrames: { everyNth: 4 } }, 'yolo2')
    const second = new Map<string, string>()
    for (const split of ['train', 'val', 'test']) for (const img of readdirSync(join(f.dir, 'yolo2', 'images', split))) second.set(keyOf(img), split)
    const videoSplits = new Set([...second].filter(([k]) => k.startsWith(`m${f.videoMediaId}_`)).map(([, s]) => s))
    expect([...second.keys()].filter((k) => k.startsWith(`m${f.videoMediaId}_`)).length).toBeGreaterThan(4)
    expect(videoSplits.size).toBe(1)
    for (const [k, s] of seen) if (!k.includes('_f')) expect(second.get(k)).toBe(s)
    const e4 = expectedFrames(f, null, 4)
    expect([...second.keys()].sort()).toEqual([...e4.keys()].sort())
    // enough sources for three splits: none of them is empty (a per-image hash alone left val empty)
    expect(new Set(seen.values())).toEqual(new Set(['train', 'val', 'test']))
    // images left out because a plate on them is undecided are counted
    const partly = (f.lib.db
      .prepare(`SELECT COUNT(DISTINCT p.media_id) AS n FROM plates p JOIN media m ON m.id = p.media_id
        WHERE m.kind = 'image' AND p.review_state = 'unreviewed' AND p.media_id IN
          (SELECT media_id FROM plates WHERE review_state IN ('confirmed', 'corrected', 'manual', 'illegible'))`)
      .get() as { n: number }).n
    expect(partly).toBeGreaterThan(0)
    expect(res.leftOut!.partlyReviewed).toBeGreaterThanOrEqual(partly)
  })

  it('YOLO video frames are the frames at the recorded times (compared with a full decode of the clip)', async () => {
    const dir = join(f.dir, 'yolo')
    const find = (idx: number): string => {
      for (const split of ['train', 'val', 'test']) {
        const hit = readdirSync(join(dir, 'images', split)).find((n) => n.endsWith(`_m${f.videoMediaId}_f${idx}.jpg`))
        if (hit) return join(dir, 'images', split, hit)
      }
      throw new Error(`frame ${idx} not exported`)
    }
    const exported = new Map<number, Buffer>()
    for (const idx of [7, 25]) exported.set(idx, (await sharp(find(idx)).raw().toBuffer({ resolveWithObject: true })).data)
    const diff = (a: Uint8Array, b: Uint8Array): number => {
      let s = 0
      for (let i = 0; i < a.length; i += 97) s += Math.abs(a[i] - b[i])
      return s / Math.ceil(a.length / 97)
    }
    const scores = new Map<number, number[]>()
    for await (const fr of decodeVideo(join(FIX!, 'clip.mp4'))) {
      for (const [idx, buf] of exported) {
        const list = scores.get(idx) ?? []
        list[fr.idx] = diff(buf, fr.image.data)
        scores.set(idx, list)
      }
    }
    for (const [idx, list] of scores) {
      // the exported frame is (one of the two copies of) the decoded frame idx, and far from other moments
      expect(list[idx]).toBeLessThan(6)
      const best = Math.min(...list)
      expect(list[idx]).toBeLessThanOrEqual(best + 1)
      expect(Math.max(...list)).toBeGreaterThan(list[idx] + 5)
    }
  })

  it('COCO: every box and text, plate ids never rejected', async () => {
    const res = await run({ format: 'coco' }, 'coco')
    expect(res.failures).toHaveLength(1)
    const coco = JSON.parse(readFileSync(join(f.dir, 'coco', 'annotations.json'), 'utf8')) as {
      images: { id: number; file_name: string; width: number; height: number }[]
      annotations: { image_id: number; category_id: number; bbox: number[]; attributes: { text: string; plate_id: number } }[]
      categories: { id: number; name: string }[]
    }
    expect(coco.categories).toEqual([expect.objectContaining({ id: 1 })])
    const expected = expectedFrames(f, null, 'best')
    expect(coco.images.map((i) => keyOf(i.file_name)).sort()).toEqual([...expected.keys()].sort())
    for (const img of coco.images) {
      expect(existsSync(join(f.dir, 'coco', 'images', img.file_name))).toBe(true)
      const anns = coco.annotations.filter((a) => a.image_id === img.id)
      for (const a of anns) expect(rejectedIds.has(a.attributes.plate_id)).toBe(false)
      expectBoxes(
        anns.map((a) => ({ x1: a.bbox[0], y1: a.bbox[1], x2: a.bbox[0] + a.bbox[2], y2: a.bbox[1] + a.bbox[3], text: a.attributes.text })),
        expected.get(keyOf(img.file_name))!,
        0.02,
        true
      )
    }
  })

  it('VOC: one XML per image with every box and text', async () => {
    await run({ format: 'voc' }, 'voc')
    const expected = expectedFrames(f, null, 'best')
    const xmls = readdirSync(join(f.dir, 'voc', 'Annotations'))
    expect(xmls.map(keyOf).sort()).toEqual([...expected.keys()].sort())
    for (const x of xmls) {
      const voc = readVoc(readFileSync(join(f.dir, 'voc', 'Annotations', x), 'utf8'))
      expect(existsSync(join(f.dir, 'voc', 'JPEGImages', voc.filename))).toBe(true)
      expect([voc.width, voc.height]).toEqual([1280, 720])
      for (const o of voc.objects) expect(rejectedIds.has(o.plateId)).toBe(false)
      expectBoxes(voc.objects, expected.get(keyOf(x))!, 0.01, true)
    }
    const listed = ['train', 'val', 'test'].flatMap((s) => readFileSync(join(f.dir, 'voc', 'ImageSets', 'Main', `${s}.txt`), 'utf8').split('\n').filter(Boolean))
    expect(listed.sort()).toEqual(xmls.map((x) => x.replace(/\.xml$/, '')).sort())
  })

  it('OCR crops + fast-plate-ocr CSV and PaddleOCR list: one crop per plate with text, padded box size', async () => {
    const res = await run({ format: 'ocr', cropPadding: 0.1 }, 'ocr')
    expect(res.failures).toHaveLength(1)
    const rows = parseCsv(readFileSync(join(f.dir, 'ocr', 'labels.csv'), 'utf8'))
    expect(rows[0]).toEqual(['image_path', 'plate_text', 'plate_region'])
    // one crop per plate with text, from the plate's own (best) frame with its reviewed box
    const expected = (f.lib.db
      .prepare("SELECT id AS plateId, x1, y1, x2, y2, text FROM plates WHERE review_state IN ('confirmed','corrected','manual') AND text <> '' AND media_id <> ?")
      .all(f.missingMediaId) as Lbl[])
    expect(rows.length - 1).toBe(expected.length)
    for (const [path, text] of rows.slice(1)) {
      const id = Number(/p(\d+)_f\d+\.jpg$/.exec(path)![1])
      expect(rejectedIds.has(id)).toBe(false)
      const e = expected.find((l) => l.plateId === id)!
      expect(text).toBe(e.text)
      const meta = await sharp(join(f.dir, 'ocr', path)).metadata()
      const w = e.x2 - e.x1
      const h = e.y2 - e.y1
      // the box grown by 10% of its size on each side, clipped to the 1280x720 frame
      const ew = Math.min(1280, e.x2 + 0.1 * w) - Math.max(0, e.x1 - 0.1 * w)
      const eh = Math.min(720, e.y2 + 0.1 * h) - Math.max(0, e.y1 - 0.1 * h)
      expect(Math.abs(meta.width! - ew)).toBeLessThanOrEqual(2)
      expect(Math.abs(meta.height! - eh)).toBeLessThanOrEqual(2)
    }
    const splitRows = ['train', 'val', 'test'].flatMap((s) => parseCsv(readFileSync(join(f.dir, 'ocr', `${s}.csv`), 'utf8')).slice(1))
    expect(splitRows.map((r) => r[0]).sort()).toEqual(rows.slice(1).map((r) => r[0]).sort())

    await run({ format: 'paddleocr', cropWidth: 128, cropHeight: 64 }, 'paddle')
    const lines = readFileSync(join(f.dir, 'paddle', 'rec_gt.txt'), 'utf8').trim().split('\n')
    expect(lines.length).toBe(expected.length)
    for (const l of lines) {
      const [path, text] = l.split('\t')
      const id = Number(/p(\d+)_f\d+\.jpg$/.exec(path)![1])
      expect(text).toBe(expected.find((x) => x.plateId === id)!.text)
      const meta = await sharp(join(f.dir, 'paddle', path)).metadata()
      expect([meta.width, meta.height]).toEqual([128, 64])
    }
  })

  it('CSV and OpenALPR JSON reports list every selected plate with state and source', async () => {
    await run({ format: 'csv' }, 'csv')
    const rows = parseCsv(readFileSync(join(f.dir, 'csv', 'plates.csv'), 'utf8'))
    const head = rows[0]
    const col = (n: string): number => head.indexOf(n)
    const db = f.lib.db
    const want = db
      .prepare("SELECT p.id, p.text, p.review_state, p.x1, p.y1, p.x2, p.y2, m.folder FROM plates p JOIN media m ON m.id = p.media_id WHERE p.review_state IN ('confirmed','corrected','manual') ORDER BY p.id")
      .all() as { id: number; text: string; review_state: string; x1: number; y1: number; x2: number; y2: number; folder: string }[]
    const got = rows.slice(1).sort((a, b) => Number(a[col('plate_id')]) - Number(b[col('plate_id')]))
    expect(got.map((r) => Number(r[col('plate_id')]))).toEqual(want.map((w) => w.id))
    got.forEach((r, i) => {
      expect(r[col('text')]).toBe(want[i].text)
      expect(r[col('review_state')]).toBe(want[i].review_state)
      expect(r[col('source')]).toBe(want[i].folder)
      expect(Math.abs(Number(r[col('x2')]) - want[i].x2)).toBeLessThan(0.001)
    })

    await run({ format: 'json', includeUnreviewedAbove: 0.5 }, 'json')
    const images = JSON.parse(readFileSync(join(f.dir, 'json', 'plates.json'), 'utf8')) as {
      file: string
      img_width: number
      results: { plate: string; confidence: number; coordinates: { x: number; y: number }[]; plate_id: number; review_state: string }[]
    }[]
    const results = images.flatMap((i) => i.results)
    const want2 = db
      .prepare("SELECT id, text, x1, y1, confidence FROM plates WHERE review_state IN ('confirmed','corrected','manual') OR (review_state = 'unreviewed' AND confidence >= 0.5) ORDER BY id")
      .all() as { id: number; text: string; x1: number; y1: number; confidence: number }[]
    expect(results.map((r) => r.plate_id).sort((a, b) => a - b)).toEqual(want2.map((w) => w.id))
    for (const r of results) {
      const w = want2.find((x) => x.id === r.plate_id)!
      expect(r.plate).toBe(w.text)
      expect(r.coordinates).toHaveLength(4)
      expect(Math.abs(r.coordinates[0].x - w.x1)).toBeLessThanOrEqual(0.5)
      expect(r.confidence).toBeCloseTo(w.confidence * 100, 2)
    }
    expect(results.some((r) => r.review_state === 'unreviewed')).toBe(true)
  })

  it('unreviewed plates only with includeUnreviewedAbove, and only above it', async () => {
    const res = await run({ format: 'coco', includeUnreviewedAbove: 0.5 }, 'coco-unrev')
    const coco = JSON.parse(readFileSync(join(f.dir, 'coco-unrev', 'annotations.json'), 'utf8')) as {
      annotations: { attributes: { plate_id: number; review_state: string; confidence: number } }[]
    }
    const unrev = coco.annotations.filter((a) => a.attributes.review_state === 'unreviewed')
    expect(unrev.length).toBeGreaterThan(0)
    for (const a of unrev) expect(a.attributes.confidence).toBeGreaterThanOrEqual(0.5)
    const low = (f.lib.db.prepare("SELECT id FROM plates WHERE review_state = 'unreviewed' AND confidence < 0.5").all() as { id: number }[]).map((r) => r.id)
    expect(low.length).toBeGreaterThan(0)
    for (const a of coco.annotations) expect(low).not.toContain(a.attributes.plate_id)
    expect(res.labels).toBe([...expectedFrames(f, 0.5, 'best').values()].flat().length)
  })

  it('refuses a non-empty folder unless overwrite, naming the folder', async () => {
    await expect(run({ format: 'csv' }, 'csv')).rejects.toThrow(join(f.dir, 'csv'))
    const again = await run({ format: 'csv', overwrite: true }, 'csv')
    expect(again.labels).toBeGreaterThan(0)
  })
})
