// Detector variants side by side: the same decoded fixture frames through each variant in turn
// (interleaved, so a busy machine slows all of them alike), reporting process CPU ms per image (less
// distorted by other load than wall time) and wall ms. Used to pick the engine's detector defaults.
//
//   npx tsx scripts/bench-detector.ts [--rounds 5] [--only name,name]
import { readdirSync, readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as ort from 'onnxruntime-node'
import { floatConvModel } from '../src/main/engine/float-model'
import { rectangularModel } from '../src/main/engine/rect-model'
import { letterbox } from '../src/main/engine/preprocess'
import { decodeImageFile } from '../src/main/media/images'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const flag = (name: string) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const rounds = Number(flag('--rounds') ?? 5)
const only = flag('--only')?.split(',')
const models = process.env.ALPR_MODELS_DIR ?? join(root, '..', 'shared', 'models')
const fixtures = join(root, '..', 'shared', 'fixtures', 'romania-dashcam', 'images')

const int8 = readFileSync(join(models, 'yolo-v9-t-416-license-plates-end2end1.onnx'))
const float = floatConvModel(int8)!.model
const base: ort.InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'all',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionProviders: ['cpu'],
  logSeverityLevel: 3
}
interface Variant {
  name: string
  model: Buffer
  rect: boolean
  options?: ort.InferenceSession.SessionOptions
  /** ORT's own thread defaults (a thread per core, spinning) instead of one thread */
  defaults?: boolean
}
const variants: Variant[] = [
  { name: 'int8 416x416', model: int8, rect: false },
  { name: 'int8 rect', model: int8, rect: true },
  { name: 'float 416x416', model: float, rect: false },
  { name: 'float rect', model: float, rect: true },
  { name: 'int8 rect, no arena', model: int8, rect: true, options: { enableCpuMemArena: false } },
  { name: 'int8 rect, denormal=0', model: int8, rect: true, options: { extra: { session: { set_denormal_as_zero: '1' } } } },
  { name: 'float rect, no arena', model: float, rect: true, options: { enableCpuMemArena: false } },
  { name: 'float rect, no mem pattern', model: float, rect: true, options: { enableMemPattern: false } },
  { name: 'float rect, denormal=0', model: float, rect: true, options: { extra: { session: { set_denormal_as_zero: '1' } } } },
  { name: 'float rect, opt extended', model: float, rect: true, options: { graphOptimizationLevel: 'extended' } },
  { name: 'float rect, ORT defaults', model: float, rect: true, options: {}, defaults: true }
].filter((v) => !only || only.some((o) => v.name.includes(o)))

const files = readdirSync(fixtures).filter((f) => f.endsWith('.jpg')).map((f) => join(fixtures, f))
const images = await Promise.all(files.map((f) => decodeImageFile(f)))
const sessions = new Map<string, ort.InferenceSession>()
async function sessionFor(v: Variant, h: number, w: number): Promise<ort.InferenceSession> {
  const key = `${v.name}:${h}x${w}`
  let s = sessions.get(key)
  if (!s) {
    const model = h === 416 && w === 416 ? v.model : rectangularModel(v.model, h, w)!
    const { intraOpNumThreads: _i, interOpNumThreads: _e, ...plain } = base
    s = await ort.InferenceSession.create(model, v.defaults ? plain : { ...base, ...v.options })
    sessions.set(key, s)
  }
  return s
}
async function pass(v: Variant): Promise<{ cpu: number; wall: number; dets: number }> {
  let dets = 0
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  for (const img of images) {
    const rect = v.rect ? { stride: 32 } : undefined
    const lb = letterbox(img, 416, undefined, rect)
    const s = await sessionFor(v, lb.height, lb.width)
    const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', lb.tensor, [1, 3, lb.height, lb.width]) })
    const t = out[s.outputNames[0]!]!
    const d = t.data as Float32Array
    for (let r = 0; r < t.dims[0]!; r++) if (d[r * 7 + 6]! >= 0.3) dets++
  }
  const c = process.cpuUsage(c0)
  return { cpu: (c.user + c.system) / 1000 / images.length, wall: (performance.now() - t0) / images.length, dets }
}
for (const v of variants) await pass(v) // warm-up: sessions, lazy init
const acc = new Map(variants.map((v) => [v.name, { cpu: [] as number[], wall: [] as number[], dets: 0 }]))
for (let r = 0; r < rounds; r++) {
  for (const v of variants) {
    const p = await pass(v)
    const a = acc.get(v.name)!
    a.cpu.push(p.cpu)
    a.wall.push(p.wall)
    a.dets = p.dets
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
console.log(`${images.length} frames x ${rounds} rounds, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
for (const v of variants) {
  const a = acc.get(v.name)!
  console.log(`${v.name.padEnd(30)} CPU ${median(a.cpu).toFixed(1).padStart(6)} ms/image (min ${Math.min(...a.cpu).toFixed(1)})  wall ${median(a.wall).toFixed(1).padStart(6)} ms  detections ${a.dets}`)
}
