// HyperLPR's corner + layout detector (engine/corner-detector.ts) on real inputs: its recall on the
// dashcam fixtures (measured, printed, and the reason it is not a default detector), and its layout class
// and corners on Chinese-style plates pasted in perspective into a real frame.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Quad } from '../../src/shared/geometry'
import { iou } from '../../src/shared/geometry'
import { CornerDetector, decodeCornerHead } from '../../src/main/engine/corner-detector'
import { cropResize } from '../../src/main/engine/preprocess'
import { findGroundTruth } from '../../src/main/eval/ground-truth'
import { decodeImageFile } from '../../src/main/media/images'
import { FIXTURES_SKIP_REASON, SHARED_DIR, fixturesDir, skipReason } from '../helpers/models'
import { pasteInPerspective } from '../helpers/synth-rows'

const MODEL = join(SHARED_DIR, 'models', 'upstream', 'hyperlpr', 'y5fu_320x_sim.onnx')
const FIX = fixturesDir()

describe('corner head decoding', () => {
  it('maps letterbox coordinates back, scores objectness x class, keeps the layout class through NMS', () => {
    const row = (cx: number, cy: number, obj: number, single: number, double: number) => [cx, cy, 40, 20, obj, cx - 20, cy - 10, cx + 20, cy - 10, cx + 20, cy + 10, cx - 20, cy + 10, single, double]
    const data = Float32Array.from([...row(100, 100, 0.9, 0.1, 0.9), ...row(101, 100, 0.8, 0.9, 0.1), ...row(200, 200, 0.2, 1, 0)])
    const d = decodeCornerHead(data, 3, { ratio: 0.5, left: 0, top: 10 })
    expect(d).toHaveLength(1) // the overlapping weaker box is suppressed, the low-objectness one dropped
    expect(d[0]!.score).toBeCloseTo(0.81, 5)
    expect([d[0]!.classId, d[0]!.rows]).toEqual([1, 2])
    expect(d[0]!.box).toEqual({ x1: 160, y1: 160, x2: 240, y2: 200 })
    expect(d[0]!.corners).toEqual([
      [160, 160],
      [240, 160],
      [240, 200],
      [160, 200]
    ])
  })
})

describe.skipIf(skipReason(!existsSync(MODEL) && `${MODEL} not found`, !FIX && FIXTURES_SKIP_REASON))('HyperLPR corner detector (real ONNX)', () => {
  let det: CornerDetector
  beforeAll(async () => {
    det = new CornerDetector(ort, await ort.InferenceSession.create(MODEL, { intraOpNumThreads: 1 }))
  })
  afterAll(async () => {
    await det?.close()
  })

  it('recall on the 31 fixture plates at IoU 0.5 (printed): well below the default detector, so not a default', async () => {
    const gt = await findGroundTruth(FIX!, { format: 'voc' })
    let tp = 0
    let n = 0
    let fp = 0
    for (const g of gt.images) {
      const img = await decodeImageFile(g.image, {})
      const boxes = (await det.detect(img)).map((d) => ({ x1: d.box.x1 / img.scale, y1: d.box.y1 / img.scale, x2: d.box.x2 / img.scale, y2: d.box.y2 / img.scale }))
      const used = new Set<number>()
      for (const p of g.plates) {
        n++
        let best = -1
        let bi = 0.5
        boxes.forEach((b, i) => {
          const v = iou(b, p.box)
          if (!used.has(i) && v >= bi) [best, bi] = [i, v]
        })
        if (best >= 0) {
          tp++
          used.add(best)
        }
      }
      fp += boxes.length - used.size
    }
    console.log(`HyperLPR y5fu_320x on the fixtures: recall ${tp}/${n} = ${(tp / n).toFixed(2)} at IoU 0.5, ${fp} false positives`)
    // measured 19/31 with 2 false positives (the default detector finds 31/31): plates of 80x22 px in a
    // 1280x720 frame are ~20x5 px at its 320 input
    expect(n).toBe(31)
    expect(tp).toBeGreaterThanOrEqual(15)
    expect(tp).toBeLessThan(31)
  })

  it('on a square crop around each labelled plate (3x its longer side, printed) it finds most of them', async () => {
    const gt = await findGroundTruth(FIX!, { format: 'voc' })
    let found = 0
    let n = 0
    for (const g of gt.images) {
      const img = await decodeImageFile(g.image, {})
      for (const p of g.plates) {
        n++
        const side = Math.max(p.box.x2 - p.box.x1, p.box.y2 - p.box.y1) * 3
        const cx = (p.box.x1 + p.box.x2) / 2
        const cy = (p.box.y1 + p.box.y2) / 2
        const r = { x1: Math.max(0, Math.round(cx - side / 2)), y1: Math.max(0, Math.round(cy - side / 2)), x2: Math.min(img.width, Math.round(cx + side / 2)), y2: Math.min(img.height, Math.round(cy + side / 2)) }
        const w = r.x2 - r.x1
        const h = r.y2 - r.y1
        const crop = new Uint8Array(w * h * 3)
        cropResize(img, r, w, h, crop, 0)
        const dets = await det.detect({ data: crop, width: w, height: h })
        if (dets.some((d) => iou({ x1: d.box.x1 + r.x1, y1: d.box.y1 + r.y1, x2: d.box.x2 + r.x1, y2: d.box.y2 + r.y1 }, p.box) >= 0.5)) found++
      }
    }
    console.log(`HyperLPR y5fu_320x on crops around the fixture plates: ${found}/${n} found at IoU 0.5`)
    expect(found).toBeGreaterThanOrEqual(24) // measured 27/31
  })

  /** A yellow Chinese-style plate (the layout the model was trained on): one row, or a small top row over a big one. */
  async function yellowPlate(rows: string[]): Promise<{ data: Uint8Array; width: number; height: number }> {
    const W = 220
    const H = rows.length === 2 ? 140 : 64
    const text =
      rows.length === 2
        ? `<text x="${W / 2}" y="${H * 0.22}" dominant-baseline="central" text-anchor="middle" font-family="DejaVu Sans" font-weight="bold" font-size="${H * 0.3}" fill="#111">${rows[0]}</text>
<text x="${W / 2}" y="${H * 0.69}" dominant-baseline="central" text-anchor="middle" font-family="DejaVu Sans" font-weight="bold" font-size="${H * 0.46}" fill="#111">${rows[1]}</text>`
        : `<text x="${W / 2}" y="${H * 0.5}" dominant-baseline="central" text-anchor="middle" font-family="DejaVu Sans" font-weight="bold" font-size="${H * 0.6}" fill="#111">${rows[0]}</text>`
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="${W}" height="${H}" fill="#f2c200" stroke="#111" stroke-width="4"/>${text}</svg>`
    const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true })
    return { data, width: info.width, height: info.height }
  }

  /** The fixture frame with `plate` pasted through `quad`. */
  async function sceneWith(plate: { data: Uint8Array; width: number; height: number }, quad: Quad) {
    const frame = await decodeImageFile(join(FIX!, 'images', 'dayride_type1_001_t1055.jpg'), {})
    const pasted = pasteInPerspective(plate, quad, frame.width, frame.height)
    const mask = pasteInPerspective({ data: new Uint8Array(plate.data.length).fill(1), width: plate.width, height: plate.height }, quad, frame.width, frame.height, 0)
    return { data: Uint8Array.from(frame.data, (v, i) => (mask.data[i] ? pasted.data[i]! : v)), width: frame.width, height: frame.height }
  }

  it('the layout class: a two-row Chinese-style plate is double-row, a one-row plate single; one-row corners near the truth', async () => {
    const one: Quad = [
      [500, 300],
      [700, 320],
      [695, 394],
      [505, 364]
    ]
    const a = (await det.detect(await sceneWith(await yellowPlate(['皖A12345']), one))).filter((d) => iou(d.box, { x1: 500, y1: 300, x2: 700, y2: 394 }) > 0.5)
    expect(a).toHaveLength(1)
    expect(a[0]!.rows).toBe(1)
    a[0]!.corners!.forEach(([x, y], k) => {
      expect(Math.hypot(x - one[k]![0], y - one[k]![1])).toBeLessThan(15) // measured < 13 px on a 200x70 px plate
    })
    const two: Quad = [
      [500, 300],
      [700, 320],
      [695, 470],
      [505, 440]
    ]
    const b = (await det.detect(await sceneWith(await yellowPlate(['皖 A', '12345']), two))).filter((d) => iou(d.box, { x1: 500, y1: 300, x2: 700, y2: 470 }) > 0.4)
    expect(b).toHaveLength(1)
    expect(b[0]!.rows).toBe(2)
    // measured: its top edge sits 30-50 px below the plate's (inside the top row), so the rectified crop
    // loses most of the top row on these synthetic plates; the row-aware read is tested with true corners
    // in warp.test.ts
  })
})
