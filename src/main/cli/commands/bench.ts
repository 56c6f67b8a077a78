// platedesk bench: images/s end-to-end through the real worker pool with 1 worker and with N, next to
// a plain single-process pipeline on the same models (bench-plain.ts), plus where each millisecond of
// CPU goes per stage. The three run interleaved, pass after pass, so other load on the machine slows
// all of them alike; process CPU ms per image is printed beside images/s because it is much less
// distorted by that load. The load average is printed with the results.
import type { Command } from 'commander'
import { availableParallelism, loadavg } from 'node:os'
import sharp from 'sharp'
import type { ExecutionProvider, ImageRecognition } from '../../../shared/types'
import type { Engine } from '../../engine/types'
import { listImageFiles } from '../../media/images'
import { PlainPipeline, UPSTREAM_INT8 } from './bench-plain'

interface BenchOptions {
  workers?: string
  provider?: string
  repeat: string
  recognizer?: string
  modelsDir?: string
  plain?: boolean
  int8?: boolean
  json?: boolean
}

type PipelineKind = 'platedesk' | 'platedesk-int8' | 'plain'

export interface BenchResult {
  /** 'platedesk' (worker pool, defaults), 'platedesk-int8' (the same with the upstream int8 detector
   *  the default one is re-quantised from, scripts/quantize-detector) or 'plain' (bench-plain.ts,
   *  in-process, one thread) */
  pipeline: PipelineKind
  workers: number
  images: number
  seconds: number
  imagesPerSecond: number
  /** mean wall ms per stage as the engine timed it (grows with queueing and other load) */
  decodeMs: number
  detectMs: number
  ocrMs: number
  totalMs: number
  plates: number
  /** process CPU time (all threads) per image: less sensitive to other load than images/s */
  cpuMsPerImage: number
  provider: string
  recognizer: string | null
  errors: number
}

/** CPU ms per image and stage, one image at a time on one thread (no pool): where the work goes. */
export interface StageCpu {
  pipeline: PipelineKind
  decodeMs: number
  detectMs: number
  ocrMs: number
  totalMs: number
}

export interface BenchReport {
  loadAverage: number[]
  results: BenchResult[]
  stages: StageCpu[]
  ratios: Ratios[]
}

export interface Ratios {
  pipeline: PipelineKind
  workers: number
  /** 1 worker vs the plain pipeline (both one core): by images/s and by CPU ms/image */
  perCoreVsPlain: { imagesPerSecond: number; cpu: number } | null
  /** N workers vs 1 worker, images/s */
  workerScaling: number | null
  /** N workers' images/s vs the rate one core's CPU time allows (1000 / 1 worker's CPU ms per image):
   *  1 worker decodes the next image on a libuv thread while it infers, so it uses a bit more than a core */
  workerScalingByCpu: number | null
}

interface Runner {
  pipeline: PipelineKind
  workers: number
  /** one pass over the files; returns the per-image results (null: failed) */
  pass(files: string[]): Promise<(ImageRecognition | null)[]>
  provider: string
  recognizer: string | null
  close(): Promise<void>
}

async function poolRunner(
  workers: number,
  opts: { provider?: ExecutionProvider; recognizerId?: string; modelsDir?: string },
  int8: boolean
): Promise<Runner & { engine: Engine }> {
  const { createEngine } = await import('../../engine/index')
  const engine = await createEngine({ workers, ...opts, ...(int8 ? { detectorId: UPSTREAM_INT8 } : {}) })
  const st = engine.status()
  return {
    pipeline: int8 ? 'platedesk-int8' : 'platedesk',
    workers,
    engine,
    pass: (files) => Promise.all(files.map((f) => engine.recognizeFile(f).catch(() => null))),
    provider: st.provider,
    recognizer: st.recognizer,
    close: () => engine.close()
  }
}

async function plainRunner(modelsDir?: string): Promise<Runner> {
  sharp.concurrency(1) // one thread, like each worker
  const plain = await PlainPipeline.create(modelsDir)
  return {
    pipeline: 'plain',
    workers: 1,
    async pass(files) {
      const out: (ImageRecognition | null)[] = []
      for (const f of files) {
        const t0 = performance.now()
        const texts = await plain.recognizeFile(f).catch(() => null)
        const ms = performance.now() - t0
        out.push(
          texts && {
            width: 0,
            height: 0,
            plates: texts.map(() => ({}) as ImageRecognition['plates'][number]),
            timings: { decodeMs: 0, detectMs: 0, ocrMs: 0, totalMs: ms }
          }
        )
      }
      return out
    },
    provider: 'cpu',
    recognizer: 'cct-xs-v2-global',
    close: () => plain.close()
  }
}

/**
 * Runs every runner over the files `repeat` times, interleaved (runner A pass 1, B pass 1, ..., A pass
 * 2, ...), after one warm-up pass each; sums images/s, CPU and per-stage wall time per runner.
 */
export async function runInterleaved(runners: Runner[], files: string[], repeat: number): Promise<BenchResult[]> {
  for (const r of runners) await r.pass(files.slice(0, Math.max(2, r.workers * 2))) // ONNX's lazy init
  const acc = runners.map(() => ({ seconds: 0, cpuMs: 0, n: 0, plates: 0, errors: 0, decodeMs: 0, detectMs: 0, ocrMs: 0, totalMs: 0 }))
  for (let k = 0; k < repeat; k++) {
    for (const [i, r] of runners.entries()) {
      const a = acc[i]!
      const t0 = performance.now()
      const cpu0 = process.cpuUsage()
      const res = await r.pass(files)
      const cpu = process.cpuUsage(cpu0)
      a.seconds += (performance.now() - t0) / 1000
      a.cpuMs += (cpu.user + cpu.system) / 1000
      for (const x of res) {
        if (!x) {
          a.errors++
          continue
        }
        a.n++
        a.plates += x.plates.length
        a.decodeMs += x.timings.decodeMs
        a.detectMs += x.timings.detectMs
        a.ocrMs += x.timings.ocrMs
        a.totalMs += x.timings.totalMs
      }
    }
  }
  return runners.map((r, i) => {
    const a = acc[i]!
    const mean = (v: number) => (a.n ? Math.round((v / a.n) * 100) / 100 : 0)
    return {
      pipeline: r.pipeline,
      workers: r.workers,
      images: a.n,
      seconds: Math.round(a.seconds * 1000) / 1000,
      imagesPerSecond: Math.round((a.n / a.seconds) * 10) / 10,
      decodeMs: mean(a.decodeMs),
      detectMs: mean(a.detectMs),
      ocrMs: mean(a.ocrMs),
      totalMs: mean(a.totalMs),
      plates: a.plates,
      cpuMsPerImage: mean(a.cpuMs),
      provider: r.provider,
      recognizer: r.recognizer,
      errors: a.errors
    }
  })
}

/**
 * CPU ms per stage, one image at a time in this thread: PlateDesk's Pipeline (the code each worker
 * runs, with the workers' settings) and the plain pipeline. Nothing else of the bench runs meanwhile,
 * so the process's CPU time is the stage's.
 */
export async function stageCpu(
  files: string[],
  opts: { recognizerId?: string; modelsDir?: string },
  kinds: { int8: boolean; plain: boolean },
  repeat = 1
): Promise<StageCpu[]> {
  const { Pipeline } = await import('../../engine/pipeline')
  const { decodeImageFile } = await import('../../media/images')
  sharp.concurrency(1) // as in the workers
  type Stages = { decodeMs: number; detectMs: number; ocrMs: number }
  const runs: { kind: PipelineKind; run: (f: string, sum: Stages) => Promise<unknown>; close: () => Promise<void> }[] = []
  try {
    for (const int8 of kinds.int8 ? [false, true] : [false]) {
      const p = await Pipeline.create({ threads: 1, recognizerId: opts.recognizerId, modelsDir: opts.modelsDir, ...(int8 ? { detectorId: UPSTREAM_INT8 } : {}) })
      runs.push({
        kind: int8 ? 'platedesk-int8' : 'platedesk',
        close: () => p.close(),
        async run(f, sum) {
          let c0 = process.cpuUsage()
          const lap = () => {
            const d = process.cpuUsage(c0)
            c0 = process.cpuUsage()
            return (d.user + d.system) / 1000
          }
          const img = await decodeImageFile(f)
          sum.decodeMs += lap()
          const dets = await p.detector!.detect(img)
          sum.detectMs += lap()
          await p.read(img, dets)
          sum.ocrMs += lap()
        }
      })
    }
    if (kinds.plain) {
      const pp = await PlainPipeline.create(opts.modelsDir)
      runs.push({ kind: 'plain', close: () => pp.close(), run: (f, sum) => pp.recognizeFile(f, sum) })
    }
    const sums = runs.map(() => ({ decodeMs: 0, detectMs: 0, ocrMs: 0 }))
    for (const r of runs) await r.run(files[0]!, { decodeMs: 0, detectMs: 0, ocrMs: 0 }) // ONNX's lazy init
    // image by image, each pipeline in turn: other load on the machine hits all of them alike
    let n = 0
    for (let k = 0; k < repeat; k++) {
      for (const f of files) {
        // an image that fails in any pipeline counts in none
        const one = runs.map(() => ({ decodeMs: 0, detectMs: 0, ocrMs: 0 }))
        let ok = true
        for (const [i, r] of runs.entries()) ok = (await r.run(f, one[i]!).then(() => true, () => false)) && ok
        if (!ok) continue
        n++
        one.forEach((o, i) => {
          sums[i]!.decodeMs += o.decodeMs
          sums[i]!.detectMs += o.detectMs
          sums[i]!.ocrMs += o.ocrMs
        })
      }
    }
    return runs.map((r, i) => stageRow(r.kind, sums[i]!, n))
  } finally {
    await Promise.all(runs.map((r) => r.close()))
  }
}

function stageRow(pipeline: StageCpu['pipeline'], s: { decodeMs: number; detectMs: number; ocrMs: number }, n: number): StageCpu {
  const r = (v: number) => Math.round((v / n) * 100) / 100
  return { pipeline, decodeMs: r(s.decodeMs), detectMs: r(s.detectMs), ocrMs: r(s.ocrMs), totalMs: r(s.decodeMs + s.detectMs + s.ocrMs) }
}

const NAMES: Record<PipelineKind, string> = { platedesk: 'PlateDesk', 'platedesk-int8': 'PlateDesk int8', plain: 'plain' }
const label = (r: BenchResult) =>
  (r.pipeline === 'plain' ? 'plain, 1 thread' : `${NAMES[r.pipeline]}, ${r.workers} worker${r.workers > 1 ? 's' : ''}`).padEnd(27)

export function formatBench(rep: BenchReport): string {
  const lines = [`load average ${rep.loadAverage.map((l) => l.toFixed(2)).join(' ')} (images/s suffer from other load; CPU ms/image much less)`]
  for (const r of rep.results) {
    lines.push(
      `${label(r)}: ${r.imagesPerSecond.toFixed(1).padStart(6)} images/s (${r.images} images in ${r.seconds.toFixed(2)} s), ` +
        `CPU ${r.cpuMsPerImage.toFixed(1)} ms/image` +
        (r.pipeline !== 'plain' ? `; wall per image: decode ${r.decodeMs.toFixed(1)}, detect ${r.detectMs.toFixed(1)}, OCR ${r.ocrMs.toFixed(1)} ms` : '') +
        `  [${r.provider}, ${r.recognizer}${r.errors ? `, ${r.errors} errors` : ''}]`
    )
  }
  for (const s of rep.stages) {
    lines.push(
      `CPU ms/image by stage, ${NAMES[s.pipeline].padEnd(15)} (1 thread, in-process): ` +
        `decode ${s.decodeMs.toFixed(1)}, detect ${s.detectMs.toFixed(1)} (incl. letterbox), OCR ${s.ocrMs.toFixed(1)}; total ${s.totalMs.toFixed(1)}`
    )
  }
  for (const k of rep.ratios) {
    const parts = [
      k.perCoreVsPlain && `per core vs plain ${k.perCoreVsPlain.imagesPerSecond.toFixed(2)}x by images/s, ${k.perCoreVsPlain.cpu.toFixed(2)}x by CPU ms/image`,
      k.workerScaling &&
        `${k.workers} workers vs 1: ${k.workerScaling.toFixed(2)}x images/s` +
          (k.workerScalingByCpu ? ` (${k.workerScalingByCpu.toFixed(2)}x one core's CPU time)` : '')
    ].filter(Boolean)
    if (parts.length) lines.push(`${NAMES[k.pipeline]}: ${parts.join('; ')}`)
  }
  return lines.join('\n')
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('images/s end-to-end (1 worker, N workers, a plain 1-thread pipeline) and CPU ms per stage')
    .argument('<path>', 'image file or folder (recursive)')
    .option('-w, --workers <N>', 'worker threads to compare against 1 (default: CPU count)')
    .option('--provider <P>', 'execution provider: cpu | cuda | dml | coreml')
    .option('-r, --repeat <R>', 'passes over the images', '3')
    .option('--recognizer <ID>', "OCR model id, or 'a+b' for the ensemble")
    .option('--models-dir <DIR>', 'folder with the model files')
    .option('--no-plain', 'skip the plain single-process pipeline')
    .option('--no-int8', 'skip PlateDesk with the upstream int8 detector (the previous default)')
    .option('--json', 'print the results as JSON')
    .action(async (path: string, o: BenchOptions) => {
      const list = await listImageFiles([path])
      if (!list.files.length) {
        process.stderr.write(`platedesk bench: no images in ${path}\n`)
        process.exitCode = 1
        return
      }
      const files = list.files
      const n = Math.max(1, Number(o.workers ?? availableParallelism()) || 1)
      const repeat = Math.max(1, Number(o.repeat) || 1)
      const eo = { provider: o.provider as ExecutionProvider | undefined, recognizerId: o.recognizer, modelsDir: o.modelsDir }
      const runners: Runner[] = []
      let report: BenchReport
      try {
        for (const int8 of o.int8 !== false ? [false, true] : [false]) {
          for (const w of n > 1 ? [1, n] : [1]) runners.push(await poolRunner(w, eo, int8))
        }
        if (o.plain !== false) runners.push(await plainRunner(o.modelsDir))
        const results = await runInterleaved(runners, files, repeat)
        await Promise.all(runners.splice(0).map((r) => r.close()))
        const stages = await stageCpu(files, eo, { int8: o.int8 !== false, plain: o.plain !== false }, Math.min(repeat, 2))
        const plain = results.find((r) => r.pipeline === 'plain')
        const x = (a: number, b: number) => Math.round((a / b) * 100) / 100
        const ratios = (['platedesk', 'platedesk-int8'] as const).flatMap((k): Ratios[] => {
          const one = results.find((r) => r.pipeline === k && r.workers === 1)
          const many = results.find((r) => r.pipeline === k && r.workers > 1)
          if (!one) return []
          return [
            {
              pipeline: k,
              workers: many?.workers ?? 1,
              perCoreVsPlain: plain ? { imagesPerSecond: x(one.imagesPerSecond, plain.imagesPerSecond), cpu: x(plain.cpuMsPerImage, one.cpuMsPerImage) } : null,
              workerScaling: many ? x(many.imagesPerSecond, one.imagesPerSecond) : null,
              workerScalingByCpu: many ? x(many.imagesPerSecond, 1000 / one.cpuMsPerImage) : null
            }
          ]
        })
        report = { loadAverage: loadavg(), results, stages, ratios }
      } catch (err) {
        process.stderr.write(`platedesk bench: ${(err as Error).message}\n`)
        process.exitCode = 1
        return
      } finally {
        await Promise.all(runners.map((r) => r.close()))
      }
      process.stdout.write((o.json ? JSON.stringify(report, null, 2) : formatBench(report)) + '\n')
    })
}
