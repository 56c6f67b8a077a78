// platedesk bench: end-to-end images/s and mean ms per stage (decode, detect, OCR) through the real
// worker pool, with 1 worker and with N, so the speed-up of the pool is visible. CPU numbers are
// only comparable on an otherwise idle machine.
import type { Command } from 'commander'
import { availableParallelism } from 'node:os'
import type { ExecutionProvider, ImageRecognition } from '../../../shared/types'
import { listImageFiles } from '../../media/images'

interface BenchOptions {
  workers?: string
  provider?: string
  repeat: string
  recognizer?: string
  modelsDir?: string
  json?: boolean
}

export interface BenchResult {
  workers: number
  images: number
  seconds: number
  imagesPerSecond: number
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

/** Runs the files `repeat` times through a fresh engine with `workers` threads (after one warm-up pass). */
export async function runBench(
  files: string[],
  opts: { workers: number; repeat: number; provider?: ExecutionProvider; recognizerId?: string; modelsDir?: string }
): Promise<BenchResult> {
  const { createEngine } = await import('../../engine/index')
  const engine = await createEngine({ workers: opts.workers, provider: opts.provider, recognizerId: opts.recognizerId, modelsDir: opts.modelsDir })
  try {
    // warm-up: first runs pay for ONNX's lazy initialisation
    await Promise.all(files.slice(0, opts.workers * 2).map((f) => engine.recognizeFile(f).catch(() => null)))
    const sum = { decodeMs: 0, detectMs: 0, ocrMs: 0, totalMs: 0 }
    let n = 0
    let plates = 0
    let errors = 0
    const t0 = performance.now()
    const cpu0 = process.cpuUsage()
    for (let r = 0; r < opts.repeat; r++) {
      const res = await Promise.all(files.map((f) => engine.recognizeFile(f).catch(() => null)))
      for (const x of res as (ImageRecognition | null)[]) {
        if (!x) {
          errors++
          continue
        }
        n++
        plates += x.plates.length
        sum.decodeMs += x.timings.decodeMs
        sum.detectMs += x.timings.detectMs
        sum.ocrMs += x.timings.ocrMs
        sum.totalMs += x.timings.totalMs
      }
    }
    const seconds = (performance.now() - t0) / 1000
    const cpu = process.cpuUsage(cpu0)
    const st = engine.status()
    const mean = (v: number) => (n ? Math.round((v / n) * 100) / 100 : 0)
    return {
      workers: opts.workers,
      images: n,
      seconds: Math.round(seconds * 1000) / 1000,
      imagesPerSecond: Math.round((n / seconds) * 10) / 10,
      decodeMs: mean(sum.decodeMs),
      detectMs: mean(sum.detectMs),
      ocrMs: mean(sum.ocrMs),
      totalMs: mean(sum.totalMs),
      plates,
      cpuMsPerImage: n ? Math.round(((cpu.user + cpu.system) / 1000 / n) * 100) / 100 : 0,
      provider: st.provider,
      recognizer: st.recognizer,
      errors
    }
  } finally {
    await engine.close()
  }
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('images/s end-to-end and mean ms per stage (decode, detect, OCR), 1 worker vs N')
    .argument('<path>', 'image file or folder (recursive)')
    .option('-w, --workers <N>', 'worker threads to compare against 1 (default: CPU count)')
    .option('--provider <P>', 'execution provider: cpu | cuda | dml | coreml')
    .option('-r, --repeat <R>', 'passes over the images', '3')
    .option('--recognizer <ID>', "OCR model id, or 'a+b' for the ensemble")
    .option('--models-dir <DIR>', 'folder with the model files')
    .option('--json', 'print the results as JSON')
    .action(async (path: string, o: BenchOptions) => {
      const list = await listImageFiles([path])
      if (!list.files.length) {
        process.stderr.write(`platedesk bench: no images in ${path}\n`)
        process.exitCode = 1
        return
      }
      const n = Math.max(1, Number(o.workers ?? availableParallelism()) || 1)
      const repeat = Math.max(1, Number(o.repeat) || 1)
      const results: BenchResult[] = []
      try {
        for (const w of n > 1 ? [1, n] : [1]) {
          const r = await runBench(list.files, {
            workers: w,
            repeat,
            provider: o.provider as ExecutionProvider | undefined,
            recognizerId: o.recognizer,
            modelsDir: o.modelsDir
          })
          results.push(r)
          if (!o.json) {
            process.stdout.write(
              `${String(w).padStart(2)} worker${w > 1 ? 's' : ' '}: ${r.imagesPerSecond.toFixed(1).padStart(6)} images/s ` +
                `(${r.images} images in ${r.seconds.toFixed(2)} s)  per image: decode ${r.decodeMs.toFixed(1)} ms, ` +
                `detect ${r.detectMs.toFixed(1)} ms, OCR ${r.ocrMs.toFixed(1)} ms, total ${r.totalMs.toFixed(1)} ms; ` +
                `CPU ${r.cpuMsPerImage.toFixed(1)} ms/image` +
                `  [${r.provider}, ${r.recognizer}${r.errors ? `, ${r.errors} errors` : ''}]\n`
            )
          }
        }
      } catch (err) {
        process.stderr.write(`platedesk bench: ${(err as Error).message}\n`)
        process.exitCode = 1
        return
      }
      if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n')
      else if (results.length === 2) {
        process.stdout.write(`speed-up with ${n} workers: ${(results[1]!.imagesPerSecond / results[0]!.imagesPerSecond).toFixed(2)}x\n`)
      }
    })
}
