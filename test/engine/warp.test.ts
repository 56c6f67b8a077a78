// Perspective rectification (engine/warp.ts) and the corner/row-aware reading (engine/layout.ts): the
// homography against an analytic projective map, the warp of a plate pasted into a frame through a known
// quad back to the plate, and real OCR on synthetic two-row plates: both rows read, top row first, the break between them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Quad } from '../../src/shared/geometry'
import type { PlateRead } from '../../src/shared/types'
import { layoutRead } from '../../src/main/engine/layout'
import { Pipeline } from '../../src/main/engine/pipeline'
import { cropResize } from '../../src/main/engine/preprocess'
import { applyHomography, homography, rectifiedSize, splitRows, warpQuad } from '../../src/main/engine/warp'
import { join } from 'node:path'
import { decodeImageFile } from '../../src/main/media/images'
import { plateRead as read } from '../helpers/reads'
import { MODELS_SKIP_REASON, fixturesDir, modelsDir, skipReason } from '../helpers/models'
import { renderPlate } from '../helpers/synth'
import { pasteInPerspective, renderTwoRowPlate, type Rgb } from '../helpers/synth-rows'

/** Mean absolute difference per channel value. */
function mad(a: Rgb, b: Rgb): number {
  expect([a.width, a.height]).toEqual([b.width, b.height])
  let s = 0
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i]! - b.data[i]!)
  return s / a.data.length
}

describe('homography and perspective warp', () => {
  it('recovers an analytic projective map from four point pairs', () => {
    // x' = (2x + 0.3y + 5) / (0.001x + 0.002y + 1), y' = (-0.2x + 1.5y + 7) / (same)
    const f = (x: number, y: number): [number, number] => {
      const w = 0.001 * x + 0.002 * y + 1
      return [(2 * x + 0.3 * y + 5) / w, (-0.2 * x + 1.5 * y + 7) / w]
    }
    const src: Quad = [
      [0, 0],
      [100, 0],
      [100, 40],
      [0, 40]
    ]
    const h = homography(src, src.map(([x, y]) => f(x, y)) as Quad)
    for (const [x, y] of [
      [50, 20],
      [13, 37],
      [99, 1],
      [-20, 60]
    ]) {
      const [u, v] = applyHomography(h, x, y)
      const [eu, ev] = f(x, y)
      expect(u).toBeCloseTo(eu, 6)
      expect(v).toBeCloseTo(ev, 6)
    }
    expect(() => homography(src, [[0, 0], [1, 1], [2, 2], [3, 3]])).toThrow(/degenerate quadrilateral/)
  })

  it('a plate pasted through a skewed quad warps back to the plate; an axis-aligned crop does not', async () => {
    const plate = await renderPlate({ text: 'B123XYZ', width: 260, height: 56 })
    const quad: Quad = [
      [120, 90],
      [380, 130],
      [372, 205],
      [128, 150]
    ]
    const frame = pasteInPerspective(plate, quad, 520, 300)
    const back = warpQuad(frame, quad, { width: plate.width, height: plate.height })
    const box = new Uint8Array(plate.width * plate.height * 3)
    cropResize(frame, { x1: 120, y1: 90, x2: 380, y2: 205 }, plate.width, plate.height, box, 0)
    const warped = mad(back, plate)
    const boxed = mad({ data: box, width: plate.width, height: plate.height }, plate)
    expect(warped).toBeLessThan(12)
    expect(boxed).toBeGreaterThan(warped * 3)
    // padding adds context around the plate in its own axes
    const padded = warpQuad(frame, quad, { padX: 0.1, padY: 0.2 })
    const size = rectifiedSize(quad)
    expect([padded.width, padded.height]).toEqual([Math.round(size.width * 1.2), Math.round(size.height * 1.4)])
  })

  it('splits rows at 0.4 of the height, top first, without resampling', () => {
    const img = { data: new Uint8Array(10 * 20 * 3).map((_, i) => Math.floor(i / 30)), width: 10, height: 20 }
    const [top, bottom] = splitRows(img)
    expect([top.width, top.height, bottom.height]).toEqual([10, 8, 12])
    expect(top.data[0]).toBe(0)
    expect(bottom.data[0]).toBe(8)
  })
})

describe('where the row break goes', () => {
  it('after the top row read, before the bottom row read, or the row reads when surer and different', () => {
    const l = (p: PlateRead, t: PlateRead, b: PlateRead) => layoutRead([{ role: 'plate', read: p }, { role: 'top', read: t }, { role: 'bottom', read: b }]).text
    expect(l(read('XYZ1D23', 0.99), read('XYZ', 0.9), read('1D25', 0.2))).toBe('XYZ\n1D23')
    expect(l(read('QW9K31', 0.99), read('OW', 0.1), read('9K31', 0.9))).toBe('QW\n9K31')
    expect(l(read('AB12', 0.3), read('XY', 0.9), read('34', 0.9))).toBe('XY\n34')
    expect(l(read('AB12', 0.9), read('XY', 0.5), read('34', 0.5))).toBe('AB\n12')
    // one row: the plate read as it is
    expect(layoutRead([{ role: 'plate', read: read('B123ABC', 0.9) }]).text).toBe('B123ABC')
  })
})

const MODELS = modelsDir()

describe.skipIf(skipReason(!MODELS && MODELS_SKIP_REASON))('two-row plates read row by row (real OCR)', () => {
  let pipe: Pipeline
  beforeAll(async () => {
    pipe = await Pipeline.create({ threads: 1 })
  })
  afterAll(() => pipe?.close())

  const cases = [
    { top: 'ABC', bottom: '1234' },
    { top: 'KL', bottom: '5678' },
    { top: 'XYZ', bottom: '1D23' },
    { top: 'MP', bottom: '407B' },
    { top: 'QW', bottom: '9K31' },
    { top: 'BBC', bottom: '2E45' }
  ]

  it('each synthetic two-row plate, in perspective, reads "top\\nbottom"', async () => {
    const quad: Quad = [
      [140, 60],
      [330, 88],
      [322, 232],
      [146, 200]
    ]
    const out: string[] = []
    for (const c of cases) {
      const plate = await renderTwoRowPlate(c.top, c.bottom)
      const frame = pasteInPerspective(plate, quad, 480, 300)
      const [r] = await pipe.read(frame, [{ box: { x1: 140, y1: 60, x2: 330, y2: 232 }, corners: quad, rows: 2 }])
      out.push(r?.text ?? '')
      if (r) {
        expect(r.charConfidences).toHaveLength(r.text.replace('\n', '').length)
        expect(r.candidates[0]!.plate).toBe(r.text)
      }
    }
    expect(out).toEqual(cases.map((c) => `${c.top}\n${c.bottom}`))
  })

  it.skipIf(!fixturesDir())('a real plate made two-row (its two character groups stacked) reads "B305\\nCIL"', async () => {
    // B305CIL (plates.tsv 351.6 472.6 589.6 529.2): cut in the gap between "305" and "CIL" (64% of its
    // width), the left part on top of the right, each centred: real pixels in a two-row layout
    const img = await decodeImageFile(join(fixturesDir()!, 'images', 'dayride_type1_001_t891.jpg'), {})
    const W = 240
    const H = 57
    const plate = new Uint8Array(W * H * 3)
    cropResize(img, { x1: 351.6, y1: 472.6, x2: 589.6, y2: 529.2 }, W, H, plate, 0)
    const cut = Math.round(W * 0.64)
    const w2 = cut
    const out = new Uint8Array(w2 * H * 2 * 3).fill(200)
    const off = Math.floor((w2 - (W - cut)) / 2)
    for (let y = 0; y < H; y++) {
      out.set(plate.subarray(y * W * 3, (y * W + cut) * 3), y * w2 * 3)
      out.set(plate.subarray((y * W + cut) * 3, (y + 1) * W * 3), ((y + H) * w2 + off) * 3)
    }
    const frame = pasteInPerspective({ data: out, width: w2, height: 2 * H }, [[60, 40], [230, 52], [226, 180], [64, 166]], 300, 220)
    const [r] = await pipe.read(frame, [{ box: { x1: 60, y1: 40, x2: 230, y2: 180 }, corners: [[60, 40], [230, 52], [226, 180], [64, 166]], rows: 2 }])
    expect(r?.text).toBe('B305\nCIL')
  })
})
