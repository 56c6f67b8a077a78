// A phone photo stored sideways with an EXIF orientation: boxes live in upright pixels (as the engine
// sees the image), so the exported image must be written upright and the crops cut from the upright view.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLibrary, type Library } from '../../src/main/db/index'
import { runExport } from '../../src/main/export/index'

describe('EXIF-rotated source images', () => {
  let dir: string
  let lib: Library
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-orient-'))
    // upright view: 100 wide, 200 tall, grey, with a red "plate" at x 20..80, y 150..170
    const upright = await sharp({ create: { width: 100, height: 200, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .composite([{ input: await sharp({ create: { width: 60, height: 20, channels: 3, background: { r: 230, g: 10, b: 10 } } }).png().toBuffer(), left: 20, top: 150 }])
      .png()
      .toBuffer()
    // stored sideways (rotated 90° counter-clockwise) with orientation 6 = "rotate 90° clockwise to view"
    const file = join(dir, 'phone.jpg')
    await sharp(upright).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toFile(file)
    const meta = await sharp(file).metadata()
    expect([meta.width, meta.height, meta.orientation]).toEqual([200, 100, 6])
    lib = openLibrary(join(dir, 'lib.db'))
    const m = Number(lib.db.prepare("INSERT INTO media (path, folder, sha256, kind, size, width, height, status) VALUES (?, ?, 'abc', 'image', 1, 100, 200, 'done')").run(file, dir).lastInsertRowid)
    const fr = Number(lib.db.prepare('INSERT INTO frames (media_id, idx, width, height) VALUES (?, 0, 100, 200)').run(m).lastInsertRowid)
    lib.db.prepare("INSERT INTO plates (media_id, frame_id, x1, y1, x2, y2, text, confidence, review_state) VALUES (?, ?, 20, 150, 80, 170, 'AB12CDE', 1, 'manual')").run(m, fr)
  })
  afterAll(() => {
    lib?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('YOLO writes the image upright, labels normalised to the upright size', async () => {
    const out = join(dir, 'yolo')
    await runExport(lib.db, { format: 'yolo', outDir: out, split: [1, 0, 0] })
    const [img] = readdirSync(join(out, 'images', 'train'))
    const meta = await sharp(join(out, 'images', 'train', img)).metadata()
    expect([meta.width, meta.height]).toEqual([100, 200])
    expect(meta.orientation ?? 1).toBe(1)
    const [, cx, cy, w, h] = readFileSync(join(out, 'labels', 'train', img.replace(/\.jpg$/, '.txt')), 'utf8').trim().split(' ').map(Number)
    expect([cx * 100, cy * 200, w * 100, h * 200].map((v) => Math.round(v))).toEqual([50, 160, 60, 20])
    // the labelled region of the written image is the red plate
    const { data } = await sharp(join(out, 'images', 'train', img)).extract({ left: 25, top: 153, width: 50, height: 14 }).raw().toBuffer({ resolveWithObject: true })
    expect(data[0]).toBeGreaterThan(180)
    expect(data[1]).toBeLessThan(60)
  })

  it('OCR crops come from the upright view', async () => {
    const out = join(dir, 'ocr')
    await runExport(lib.db, { format: 'ocr', outDir: out, cropPadding: 0 })
    const crop = join(out, 'crops', readdirSync(join(out, 'crops'))[0])
    const { data, info } = await sharp(crop).raw().toBuffer({ resolveWithObject: true })
    expect([info.width, info.height]).toEqual([60, 20])
    let red = 0
    for (let i = 0; i < data.length; i += 3) if (data[i] > 180 && data[i + 1] < 60) red++
    expect(red / (info.width * info.height)).toBeGreaterThan(0.9)
  })
})
