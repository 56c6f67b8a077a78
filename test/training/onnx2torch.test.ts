// training/onnx2torch.py imports the fast-plate-ocr CCT graphs into PyTorch for fine-tuning. Here the
// imported modules must give ONNX Runtime's outputs (the engine's own runtime, onnxruntime-node) to
// 1e-4 on the same real plate crops: every labelled romania-dashcam fixture plate (31), cut and stretched by the
// engine's own preprocessing (Recognizer.prepare), in one batch.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { afterAll, describe, expect, it } from 'vitest'
import { getModel } from '../../src/main/engine/models'
import { Recognizer } from '../../src/main/engine/recognizer'
import { decodeImageFile } from '../../src/main/media/images'
import { readPlatesTsv } from '../helpers/fixtures'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, REPO_ROOT, fixturesDir, modelsDir, skipReason } from '../helpers/models'
import { PYTHON, torchMissing } from '../helpers/python'

const models = modelsDir()
const fixtures = fixturesDir()

describe.skipIf(skipReason(!models && MODELS_SKIP_REASON, !fixtures && FIXTURES_SKIP_REASON, torchMissing()))(
  'ONNX -> PyTorch import of the CCT recognisers',
  () => {
    const tmp = mkdtempSync(join(tmpdir(), 'pd-onnx2torch-'))
    afterAll(() => rmSync(tmp, { recursive: true, force: true }))

    for (const id of ['cct-xs-v1-global', 'cct-xs-v2-global']) {
      it(`${id}: every output matches ONNX Runtime to 1e-4 on the fixture plate crops`, async () => {
        const entry = getModel(id)
        const path = join(models!, entry.file)
        const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 })
        const rec = new Recognizer(ort, session, entry)
        // the engine's crops of every labelled fixture plate, one NHWC uint8 batch
        const plates = readPlatesTsv(fixtures!)
        const per = rec.width * rec.height * 3
        const batch = new Uint8Array(per * plates.length)
        for (const [i, p] of plates.entries()) batch.set(rec.prepare(await decodeImageFile(p.image), [p.box]), i * per)
        const n = plates.length
        const dims = [n, rec.height, rec.width, 3]
        const expected = await session.run({ [session.inputNames[0]!]: new ort.Tensor('uint8', batch, dims) })

        writeFileSync(join(tmp, `${id}.u8`), batch)
        const info = JSON.parse(
          execFileSync(PYTHON, ['-m', 'training.onnx2torch', path, join(tmp, `${id}.u8`), 'uint8', dims.join(','), join(tmp, id)], {
            cwd: REPO_ROOT,
            encoding: 'utf8'
          })
        ) as { outputs: string[]; shapes: number[][]; trainable: number }
        expect(info.outputs).toEqual(session.outputNames)
        // the weights became trainable parameters (conv, attention, MLP, heads), the fixed constants did not
        expect(info.trainable).toBeGreaterThan(80)
        for (const [k, name] of session.outputNames.entries()) {
          const want = expected[name]!
          expect(info.shapes[k]).toEqual(want.dims)
          const got = new Float32Array(new Uint8Array(readFileSync(join(tmp, `${id}.${k}.f32`))).buffer)
          const ref = want.data as Float32Array
          expect(got.length).toBe(ref.length)
          let maxDiff = 0
          for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - ref[i]!))
          console.log(`${id} ${name}: ${n} crops, max |torch - onnxruntime| = ${maxDiff.toExponential(2)}`)
          expect(maxDiff).toBeLessThan(1e-4)
        }
        await session.release()
      }, 120_000)
    }
  }
)
