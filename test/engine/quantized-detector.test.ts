// The default detector is the upstream int8 one re-quantised statically (scripts/quantize-detector):
// its first step, the rewrite to float convolutions (float-model.ts), really changes the graph; the
// committed model finds the same plates as the upstream one on the real fixture frames; and the
// script that made it still makes a working model from the upstream file.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { iou } from '../../src/main/engine/detector'
import { floatConvModel } from '../../src/main/engine/float-model'
import { bundledModelsDir, defaultModel, getModel } from '../../src/main/engine/models'
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

const UPSTREAM = 'yolo-v9-t-416-end2end'
const PY_ONNX = spawnSync('/usr/bin/python3', ['-c', 'import onnx, numpy'], { stdio: 'ignore' }).status === 0

describe.skipIf(skipReason(!MODELS && MODELS_SKIP_REASON, !FIX && FIXTURES_SKIP_REASON))('statically quantised detector', () => {
  it('is the default detector, committed with the app', () => {
    const d = defaultModel('detector')
    expect(d.id).toBe('yolo-v9-t-416-end2end-qdq')
    expect(d.bundled).toBe(true)
    const ops = opCounts(readFileSync(join(bundledModelsDir()!, d.file)))
    expect(ops.get('ConvInteger') ?? 0).toBe(0)
    expect(ops.get('QuickGelu')).toBeGreaterThan(150)
    expect(ops.get('QuantizeLinear')).toBeGreaterThan(300)
  })

  it('float rewrite: replaces every ConvInteger chain by one float Conv and keeps the graph valid', () => {
    const bytes = readFileSync(join(MODELS!, getModel(UPSTREAM).file))
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

  it('finds the same plates as the upstream int8 model on the fixture frames (box IoU >= 0.5, median >= 0.85; scores within 0.2, mean 0.05)', async () => {
    const int8 = await Pipeline.create({ threads: 1, detectorId: UPSTREAM })
    const float = await Pipeline.create({ threads: 1 })
    try {
      let compared = 0
      let scoreDiff = 0
      let maxDiff = 0
      const boxIou: number[] = []
      for (const image of readVocBoxes(FIX!).keys()) {
        const img = await decodeImageFile(image)
        const a = await int8.detector!.detect(img, { threshold: 0.4 })
        const b = await float.detector!.detect(img, { threshold: 0.2 })
        for (const d of a) {
          const m = b.sort((x, y) => iou(y.box, d.box) - iou(x.box, d.box))[0]
          expect(m, `${image}: int8 box ${JSON.stringify(d.box)} has no match`).toBeDefined()
          boxIou.push(iou(m!.box, d.box))
          maxDiff = Math.max(maxDiff, Math.abs(m!.score - d.score))
          scoreDiff += Math.abs(m!.score - d.score)
          compared++
        }
      }
      boxIou.sort((x, y) => x - y)
      console.log(`upstream int8 vs static int8: ${compared} plates, mean |score diff| ${(scoreDiff / compared).toFixed(3)}, max ${maxDiff.toFixed(3)}, box IoU min ${boxIou[0]!.toFixed(2)} median ${boxIou[boxIou.length >> 1]!.toFixed(2)}`)
      expect(compared).toBeGreaterThanOrEqual(25)
      expect(boxIou[0]!).toBeGreaterThanOrEqual(0.5) // a pixel on a 20 px tall plate is 5% IoU
      expect(boxIou[boxIou.length >> 1]!).toBeGreaterThanOrEqual(0.85)
      expect(maxDiff).toBeLessThan(0.2)
      expect(scoreDiff / compared).toBeLessThan(0.05)
    } finally {
      await int8.close()
      await float.close()
    }
  })
  it.skipIf(!PY_ONNX)('scripts/quantize-detector makes a working model from the upstream file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qdq-test-'))
    try {
      const out = join(dir, 'det.onnx')
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/quantize-detector/quantize.ts', '--frames', '4', '--images', join(FIX!, 'images'), '--out', out], {
        encoding: 'utf8',
        env: { ...process.env, ALPR_MODELS_DIR: MODELS! }
      })
      expect(r.status, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/186 convs quantised, 179 SiLU fused/)
      const ops = opCounts(readFileSync(out))
      expect(ops.get('ConvInteger') ?? 0).toBe(0)
      // it runs at 416x256 (the engine's rewrite for 16:9) and finds the labelled plates of a frame
      const ort = await import('onnxruntime-node')
      const { rectangularModel } = await import('../../src/main/engine/rect-model')
      const { letterbox } = await import('../../src/main/engine/preprocess')
      const { decodeEnd2End, unletterbox } = await import('../../src/main/engine/detector')
      const session = await ort.InferenceSession.create(rectangularModel(readFileSync(out), 256, 416)!, { intraOpNumThreads: 1 })
      try {
        const [image, boxes] = [...readVocBoxes(FIX!)].find(([, b]) => b.length >= 2)!
        const img = await decodeImageFile(image)
        const lb = letterbox(img, 416, undefined, { stride: 32 })
        const res = await session.run({ images: new ort.Tensor('float32', lb.tensor, [1, 3, lb.height, lb.width]) })
        const t = res[session.outputNames[0]!]!
        const found = decodeEnd2End(t.data as Float32Array, t.dims[0]!, 0.3).map((d) => unletterbox(d.box, lb, img.width, img.height))
        for (const g of boxes) expect(found.some((b) => iou(b, g) >= 0.5), `${image}: labelled plate ${JSON.stringify(g)} not found`).toBe(true)
      } finally {
        await session.release()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
