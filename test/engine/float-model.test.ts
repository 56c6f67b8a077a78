// The load-time rewrite of the int8 detector to float convolutions (float-model.ts): the graph really
// changes (no ConvInteger left), and on the real fixture frames it finds the same plates as the model
// as shipped, boxes and scores within a small tolerance.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { iou } from '../../src/main/engine/detector'
import { floatConvModel } from '../../src/main/engine/float-model'
import { defaultModel, getModel } from '../../src/main/engine/models'
import { parse, strings } from '../../src/main/engine/onnx-bytes'
import { Pipeline } from '../../src/main/engine/pipeline'
import { decodeImageFile } from '../../src/main/media/images'
import { readVocBoxes } from '../helpers/fixtures'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, fixturesDir, modelsDir, skipReason } from '../helpers/models'

const FIX = fixturesDir()
const MODELS = modelsDir()

/** op type → count, read back from the model bytes */
function opCounts(model: Buffer): Map<string, number> {
  const graph = parse(parse(model).find((f) => f.no === 7)!.v as Buffer)
  const ops = new Map<string, number>()
  for (const f of graph.filter((x) => x.no === 1)) {
    const op = parse(f.v as Buffer).find((x) => x.no === 4)!.v.toString()
    ops.set(op, (ops.get(op) ?? 0) + 1)
  }
  return ops
}

describe.skipIf(skipReason(!MODELS && MODELS_SKIP_REASON, !FIX && FIXTURES_SKIP_REASON))('float rewrite of the int8 detector', () => {
  it('replaces every ConvInteger chain by one float Conv and keeps the graph valid', () => {
    const bytes = readFileSync(join(MODELS!, defaultModel('detector').file))
    const before = opCounts(bytes)
    const r = floatConvModel(bytes)!
    expect(r.convs).toBe(before.get('ConvInteger'))
    expect(r.convs).toBeGreaterThan(100)
    const after = opCounts(r.model)
    expect(after.get('ConvInteger') ?? 0).toBe(0)
    expect(after.get('Conv')).toBe(r.convs)
    // the quantisers of the convs are gone; the one before the final MatMulInteger stays
    expect(after.get('DynamicQuantizeLinear')).toBe(1)
    // the graph's interface is unchanged
    const io = (m: Buffer, no: number) => parse(parse(m).find((f) => f.no === 7)!.v as Buffer).filter((f) => f.no === no).flatMap((f) => strings(parse(f.v as Buffer), 1))
    expect(io(r.model, 11)).toEqual(io(bytes, 11))
    expect(io(r.model, 12)).toEqual(io(bytes, 12))
  })

  it('leaves a float model alone and refuses bytes that are not a model', () => {
    const rec = readFileSync(join(MODELS!, getModel('cct-xs-v2-global').file))
    const r = floatConvModel(rec)!
    expect(r.convs).toBe(0)
    expect(r.model).toBe(rec)
    expect(floatConvModel(Buffer.from('not a model at all'))).toBeNull()
  })

  it('finds the same plates as the int8 model on the fixture frames (box IoU >= 0.6, median >= 0.85; scores within 0.1)', async () => {
    const int8 = await Pipeline.create({ threads: 1, floatDetector: false })
    const float = await Pipeline.create({ threads: 1, floatDetector: true })
    try {
      let compared = 0
      let scoreDiff = 0
      const boxIou: number[] = []
      for (const image of readVocBoxes(FIX!).keys()) {
        const img = await decodeImageFile(image)
        const a = await int8.detector!.detect(img, { threshold: 0.4 })
        const b = await float.detector!.detect(img, { threshold: 0.2 })
        for (const d of a) {
          const m = b.sort((x, y) => iou(y.box, d.box) - iou(x.box, d.box))[0]
          expect(m, `${image}: int8 box ${JSON.stringify(d.box)} has no float match`).toBeDefined()
          boxIou.push(iou(m!.box, d.box))
          expect(Math.abs(m!.score - d.score)).toBeLessThan(0.1)
          scoreDiff += Math.abs(m!.score - d.score)
          compared++
        }
      }
      boxIou.sort((x, y) => x - y)
      console.log(`int8 vs float: ${compared} plates, mean |score diff| ${(scoreDiff / compared).toFixed(3)}, box IoU min ${boxIou[0]!.toFixed(2)} median ${boxIou[boxIou.length >> 1]!.toFixed(2)}`)
      expect(compared).toBeGreaterThanOrEqual(25)
      expect(boxIou[0]!).toBeGreaterThanOrEqual(0.6) // a pixel on a 20 px tall plate is 5% IoU
      expect(boxIou[boxIou.length >> 1]!).toBeGreaterThanOrEqual(0.85)
      expect(scoreDiff / compared).toBeLessThan(0.03)
    } finally {
      await int8.close()
      await float.close()
    }
  })
})
