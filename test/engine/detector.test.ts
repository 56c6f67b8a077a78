import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bundledModelsDir, defaultModel } from '../../src/main/engine/models'
import { anchorCount, rectangularModel } from '../../src/main/engine/rect-model'
import { decodeEnd2End, decodeRawYolo, iou, nms, unletterbox } from '../../src/main/engine/detector'
import { Pipeline } from '../../src/main/engine/pipeline'
import { cropResize, letterbox } from '../../src/main/engine/preprocess'
import { decodeImageFile } from '../../src/main/media/images'
import { matchDetections, readVocBoxes } from '../helpers/fixtures'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, fixturesDir, modelsDir, skipReason } from '../helpers/models'

describe('box decoding (hand-built tensors)', () => {
  it('iou', () => {
    expect(iou({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 5, y1: 0, x2: 15, y2: 10 })).toBeCloseTo(50 / 150)
    expect(iou({ x1: 0, y1: 0, x2: 1, y2: 1 }, { x1: 2, y1: 2, x2: 3, y2: 3 })).toBe(0)
  })

  it('end2end [N,7] rows below the threshold are dropped', () => {
    const rows = new Float32Array([0, 10, 20, 110, 50, 0, 0.9, 0, 200, 200, 260, 230, 0, 0.2])
    const d = decodeEnd2End(rows, 2, 0.4)
    expect(d).toEqual([{ box: { x1: 10, y1: 20, x2: 110, y2: 50 }, classId: 0, score: expect.closeTo(0.9, 5) }])
  })

  it('raw YOLO [1, 4+nc, anchors]: picks the best class and suppresses overlaps per class', () => {
    // 4 anchors, 2 classes, channel-major like ultralytics: cx, cy, w, h, score(c0), score(c1)
    const anchors = 4
    const ch = [
      [50, 52, 200, 50], // cx
      [50, 50, 200, 50], // cy
      [40, 40, 30, 40], // w
      [20, 20, 10, 20], // h
      [0.9, 0.8, 0.1, 0.05], // class 0
      [0.1, 0.1, 0.7, 0.6] // class 1
    ]
    const data = new Float32Array(6 * anchors)
    ch.forEach((row, c) => row.forEach((v, a) => (data[c * anchors + a] = v)))
    const d = decodeRawYolo(data, [1, 6, anchors], 0.5, 0.5)
    // anchor 1 overlaps anchor 0 (same class, lower score) → suppressed; anchor 3 is class 1 → kept
    expect(d.map((x) => [x.classId, Number(x.score.toFixed(2)), x.box.x1])).toEqual([
      [0, 0.9, 30],
      [1, 0.7, 185],
      [1, 0.6, 30]
    ])
  })

  it('nms keeps the highest-scoring of overlapping boxes and honours max', () => {
    const b = (x: number, s: number) => ({ box: { x1: x, y1: 0, x2: x + 10, y2: 10 }, score: s, classId: 0 })
    expect(nms([b(0, 0.5), b(1, 0.9), b(50, 0.7)], 0.5).map((d) => d.score)).toEqual([0.9, 0.7])
    expect(nms([b(0, 0.5), b(100, 0.9), b(50, 0.7)], 0.5, 2)).toHaveLength(2)
  })

  it('letterbox + unletterbox round-trip to source pixels', () => {
    const img = { data: new Uint8Array(1280 * 720 * 3).fill(200), width: 1280, height: 720 }
    const lb = letterbox(img, 416)
    expect(lb.ratio).toBeCloseTo(0.325)
    expect(lb.padX).toBe(0)
    expect(lb.padY).toBe(91)
    // pad is ultralytics grey, content is the image value
    expect(lb.tensor[0]).toBeCloseTo(114 / 255)
    expect(lb.tensor[416 * 200 + 10]).toBeCloseTo(200 / 255)
    const r = letterbox(img, 416, undefined, { stride: 32 })
    expect([r.width, r.height, r.padY]).toEqual([416, 256, 11])
    const box = { x1: 100, y1: 400, x2: 300, y2: 460 }
    const inLb = { x1: box.x1 * lb.ratio + lb.padX, y1: box.y1 * lb.ratio + lb.padY, x2: box.x2 * lb.ratio + lb.padX, y2: box.y2 * lb.ratio + lb.padY }
    const back = unletterbox(inLb, lb, 1280, 720)
    for (const k of ['x1', 'y1', 'x2', 'y2'] as const) expect(back[k]).toBeCloseTo(box[k], 3)
  })

  it('cropResize stretches a region to the OCR input size', () => {
    const w = 40
    const h = 20
    const data = new Uint8Array(w * h * 3)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(y * w + x) * 3] = x < 20 ? 0 : 255
    const out = new Uint8Array(8 * 4 * 3)
    cropResize({ data, width: w, height: h }, { x1: 10, y1: 0, x2: 30, y2: 20 }, 8, 4, out, 0)
    expect(out[0]).toBe(0) // left half of the crop is black
    expect(out[7 * 3]).toBe(255) // right half is white
  })
})

const FIX = fixturesDir()
const MODELS = modelsDir()

describe.skipIf(skipReason(!MODELS && MODELS_SKIP_REASON, !FIX && FIXTURES_SKIP_REASON))('rectangular detector input', () => {
  it('rewrites the 416x416 graph for 416x256 and localises plates as well as the square model', async () => {
    // the default detector (committed in models/, statically quantised) is the graph the engine rewrites
    const bytes = readFileSync(join(bundledModelsDir()!, defaultModel('detector').file))
    expect(anchorCount(416, 416)).toBe(3549)
    expect(rectangularModel(bytes, 416, 416)).toBe(bytes)
    expect(rectangularModel(bytes, 250, 416)).toBeNull() // not a multiple of 32
    expect(rectangularModel(Buffer.from('not a model'), 256, 416)).toBeNull()
    // Boxes of tiny plates move by a pixel or two between the two (the stride-32 grid sits at another
    // phase), so compare both against the labels rather than against each other.
    const meanIou: Record<string, number> = {}
    for (const rectDetector of [true, false]) {
      const p = await Pipeline.create({ threads: 1, rectDetector })
      try {
        const ious: number[] = []
        for (const [image, boxes] of readVocBoxes(FIX!)) {
          const dets = await p.detector!.detect(await decodeImageFile(image), { threshold: 0.2 })
          for (const g of boxes) ious.push(Math.max(0, ...dets.map((d) => iou(d.box, g))))
        }
        meanIou[rectDetector ? 'rect' : 'square'] = ious.reduce((x, y) => x + y, 0) / ious.length
        expect(ious.filter((v) => v >= 0.5).length / ious.length).toBeGreaterThanOrEqual(0.9)
      } finally {
        await p.close()
      }
    }
    console.log(`mean IoU vs labels: rect ${meanIou.rect!.toFixed(3)}, square ${meanIou.square!.toFixed(3)}`)
    expect(meanIou.rect!).toBeGreaterThan(meanIou.square! - 0.03)
  })
})

describe.skipIf(skipReason(!MODELS && MODELS_SKIP_REASON, !FIX && FIXTURES_SKIP_REASON))('detector on the dashcam fixtures', () => {
  it('recall >= 0.90 at IoU 0.5 against the VOC boxes, with few false positives', async () => {
    const p = await Pipeline.create({ threads: 1 })
    try {
      let gt = 0
      let tp = 0
      let fp = 0
      for (const [image, boxes] of readVocBoxes(FIX!)) {
        const img = await decodeImageFile(image)
        const dets = await p.detector!.detect(img)
        const r = matchDetections(boxes, dets, iou)
        tp += r.tp
        fp += r.fp
        gt += boxes.length
      }
      console.log(`detector: recall ${tp}/${gt}, false positives ${fp}`)
      expect(gt).toBeGreaterThanOrEqual(30)
      expect(tp / gt).toBeGreaterThanOrEqual(0.9)
      // some "false positives" are real plates the labeller skipped; guard against a broken decoder
      expect(fp).toBeLessThan(gt / 2)
    } finally {
      await p.close()
    }
  })
})
