// Makes models/yolo-v9-t-416-end2end-qdq.onnx, the detector PlateDesk runs by default: the upstream
// open-image-models int8 detector (dynamic quantisation) re-quantised statically, calibrated on
// dashcam frames. See qdq.py for what changes and why; models/yolo-v9-t-416-end2end-qdq.NOTICE.
//
//   npx tsx scripts/quantize-detector/quantize.ts [--frames 64] [--images DIR] [--out FILE]
//
// Needs the upstream model (ALPR_MODELS_DIR, default ../shared/models), frames to calibrate on
// (default: the shared dashcam set's train split, every k-th of the sorted names) and /usr/bin/python3
// with onnx (Debian: python3-onnx). After writing, update models/manifest.json's size and sha256
// (printed). Calibration runs on 416x256, the size the engine runs 16:9 frames at (rect-model.ts).
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as ort from 'onnxruntime-node'
import { floatConvModel } from '../../src/main/engine/float-model'
import { letterbox } from '../../src/main/engine/preprocess'
import { rectangularModel } from '../../src/main/engine/rect-model'
import { decodeImageFile } from '../../src/main/media/images'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..', '..')
const args = process.argv.slice(2)
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name)
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback
}
const frames = Number(flag('--frames', '64'))
const imagesDir = flag('--images', join(root, '..', 'shared', 'datasets', 'romania-dashcam-full', 'train', 'images'))
const out = resolve(flag('--out', join(root, 'models', 'yolo-v9-t-416-end2end-qdq.onnx')))
const modelsDir = process.env.ALPR_MODELS_DIR ?? join(root, '..', 'shared', 'models')
const upstream = join(modelsDir, 'yolo-v9-t-416-license-plates-end2end1.onnx')

function python(...a: string[]): void {
  const r = spawnSync('/usr/bin/python3', [join(here, 'qdq.py'), ...a], { stdio: 'inherit' })
  if (r.status !== 0) throw new Error(`qdq.py ${a[0]} failed (exit ${r.status}); it needs /usr/bin/python3 with onnx (apt-get install python3-onnx)`)
}

const tmp = mkdtempSync(join(tmpdir(), 'platedesk-qdq-'))
try {
  const folded = floatConvModel(readFileSync(upstream))
  if (!folded) throw new Error(`${upstream}: no ConvInteger chains to fold; is it the upstream end2end int8 model?`)
  const floatPath = join(tmp, 'float.onnx')
  writeFileSync(floatPath, folded.model)
  python('--outputs', floatPath, join(tmp, 'calib.onnx'))
  const calib = rectangularModel(readFileSync(join(tmp, 'calib.onnx')), 256, 416)
  if (!calib) throw new Error('the calibration model cannot be rewritten to 416x256')
  // no graph optimisation: every intermediate tensor must stay as it is in the float graph
  const session = await ort.InferenceSession.create(calib, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 })
  const names = readdirSync(imagesDir).filter((f) => /\.jpe?g$/i.test(f)).sort()
  const step = Math.max(1, Math.floor(names.length / frames))
  const picked = names.filter((_, i) => i % step === 0).slice(0, frames)
  if (picked.length === 0) throw new Error(`no JPEG frames in ${imagesDir}`)
  const ranges: Record<string, { min: number; max: number }> = { images: { min: 0, max: 1 } }
  for (const name of picked) {
    const lb = letterbox(await decodeImageFile(join(imagesDir, name)), 416, undefined, { stride: 32 })
    if (lb.height !== 256 || lb.width !== 416) throw new Error(`${name}: calibration needs 16:9 frames (got ${lb.width}x${lb.height})`)
    const res = await session.run({ images: new ort.Tensor('float32', lb.tensor, [1, 3, 256, 416]) })
    for (const [k, t] of Object.entries(res)) {
      if (t.type !== 'float32') continue
      const d = t.data as Float32Array
      let lo = Infinity
      let hi = -Infinity
      for (let i = 0; i < d.length; i++) {
        const v = d[i]!
        if (v < lo) lo = v
        if (v > hi) hi = v
      }
      const r = (ranges[k] ??= { min: Infinity, max: -Infinity })
      r.min = Math.min(r.min, lo)
      r.max = Math.max(r.max, hi)
    }
  }
  await session.release()
  const rangesPath = join(tmp, 'ranges.json')
  writeFileSync(rangesPath, JSON.stringify(ranges))
  console.log(`calibrated on ${picked.length} frames of ${imagesDir}`)
  python(floatPath, rangesPath, out)
  const bytes = readFileSync(out)
  console.log(`wrote ${out}: size ${bytes.length}, sha256 ${createHash('sha256').update(bytes).digest('hex')}`)
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
