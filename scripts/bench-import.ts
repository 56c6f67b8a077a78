// Import benchmark: generates N distinct images (re-encoded, cropped variants of the fixture frames,
// so every hash differs) in a temp folder, imports them into a fresh library with the real engine, and
// prints throughput and memory at 25/50/75/100% so a flat memory curve is visible. The same engine
// recognises the same files alone before and after the import: the import's photos/s over the
// engine's images/s is the share of the engine's rate that the import keeps.
//
//   npx tsx scripts/bench-import.ts [N=600] [--workers W] [--concurrency C] [--icc srgb|p3] [--keep]
//   npm run bench:import -- 500
// --icc: the JPEGs carry that colour profile, as cameras and phones write them (an sRGB one is decoded as
// stored, a P3 one through the colour transform: media/images.ts).
//
// Numbers depend on the machine and on what else runs on it; on shared CI cores they are noisy.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { openLibrary } from '../src/main/db/index'
import { createEngine } from '../src/main/engine/index'
import { ImportProfile } from '../src/main/importer/profile'
import { ImportQueue } from '../src/main/importer/queue'
import { feed, line, load, measure, ratio, type Phase } from './bench-lib'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const flag = (name: string) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const n = Number(args.find((a, i) => /^\d+$/.test(a) && !args[i - 1]?.startsWith('--')) ?? 600)
const workers = Number(flag('--workers') ?? Math.min(2, availableParallelism()))
const concurrency = flag('--concurrency') ? Number(flag('--concurrency')) : undefined
const keep = args.includes('--keep')
const icc = flag('--icc')
if (icc && icc !== 'srgb' && icc !== 'p3') throw new Error(`--icc srgb|p3, got ${icc}`)

const fixtures = join(root, '..', 'shared', 'fixtures', 'romania-dashcam', 'images')
if (!process.env.ALPR_MODELS_DIR) process.env.ALPR_MODELS_DIR = join(root, '..', 'shared', 'models')

const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`

async function generate(dir: string): Promise<void> {
  const sources = readdirSync(fixtures)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
  if (!sources.length) throw new Error(`no fixture images in ${fixtures}`)
  const t0 = Date.now()
  let next = 0
  const one = async () => {
    for (let i = next++; i < n; i = next++) {
      const src = join(fixtures, sources[i % sources.length])
      const v = Math.floor(i / sources.length)
      const left = (v * 7) % 48
      const top = (v * 5) % 27
      const sub = join(dir, `batch-${String(Math.floor(i / 500)).padStart(3, '0')}`)
      mkdirSync(sub, { recursive: true })
      let img = sharp(src).extract({ left, top, width: 1280 - 48, height: 720 - 27 })
      if (icc) img = img.withIccProfile(icc)
      await img
        .jpeg({ quality: 70 + (v % 28) })
        .toFile(join(sub, `img-${String(i).padStart(6, '0')}.jpg`))
    }
  }
  await Promise.all([one(), one(), one(), one()])
  console.log(`generated ${n} images${icc ? ` with an embedded ${icc} profile` : ''} in ${((Date.now() - t0) / 1000).toFixed(1)} s under ${dir}`)
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-bench-'))
  const media = join(dir, 'media')
  try {
    await generate(media)
    const files = readdirSync(media, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name))
      .sort()
    const engine = await createEngine({ workers })
    const w = engine.status().workers
    const tids = engine.threadIds?.() ?? []
    console.log(`engine: ${w} workers, provider ${engine.status().provider}; load ${load()}`)
    const depth = w * 2 + 1
    await feed(files.slice(0, w * 2), depth, (f) => engine.recognizeFile(f)) // warm-up: ONNX's lazy initialisation
    // the engine alone on the same files, before and after the import (the load drifts on shared machines)
    const engineRun = () => measure('engine only', w, () => feed(files, depth, (f) => engine.recognizeFile(f).catch(() => null)), tids)
    const runs: Phase[] = [await engineRun()]
    console.log(line(runs[0]!, 'images'))

    const lib = openLibrary(join(dir, 'bench.db'))
    const profile = new ImportProfile()
    const marks = [0.25, 0.5, 0.75, 1]
    let t0 = 0
    let done = 0
    const queue = new ImportQueue({
      library: lib,
      engine: async () => engine,
      concurrency,
      profile,
      onFile: () => {
        done++
        while (marks.length && done >= Math.ceil(marks[0] * n)) {
          const s = (Date.now() - t0) / 1000
          console.log(
            `  ${String(marks.shift()! * 100).padStart(3)}%  ${String(done).padStart(6)} files  ${s.toFixed(1).padStart(7)} s  ` +
              `${(done / s).toFixed(1).padStart(6)} files/s  rss ${mb(process.memoryUsage().rss)}`
          )
        }
      }
    })
    const imp = await measure('photo import', w, async () => {
      t0 = Date.now()
      await queue.enqueue([media], { fps: 0 })
      await queue.idle()
      return { items: profile.files, workerMs: profile.workerMs }
    }, tids)
    console.log(line(imp, 'photos'))
    runs.push(await engineRun())
    console.log(line(runs[1]!, 'images'))
    const s = lib.reader.stats()
    console.log(`imported ${s.media} media, ${s.detections} detections, ${s.plates} plates, ${s.errors} errors`)
    console.log(`import time per photo (awaited stages overlap): ${profile.summary(profile.files, 'photo')}`)
    console.log(ratio(runs, imp, 'photos'))
    await engine.close()
    lib.close()
  } finally {
    if (keep) console.log(`kept ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
