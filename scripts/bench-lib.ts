// Shared pieces of the import benchmarks: phases measured for wall time, process CPU (all threads)
// and peak RSS, the load average beside every figure, and the engine-only reference run that the
// import is compared with (same engine, same workers, same inputs).
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import type { Engine, RawImage } from '../src/main/engine/types'
import { inferenceMs } from '../src/main/importer/profile'
import type { ImageRecognition } from '../src/shared/types'
import { diff, formatThreadCpu, snapshot, type ThreadCpu } from './thread-cpu'

export interface Phase {
  name: string
  items: number
  seconds: number
  /** process CPU (main thread + workers) per item */
  cpuMsPerItem: number
  /** main-thread busy time per item (event loop not idle): what the import adds on the main thread */
  mainMsPerItem: number
  /** CPU of finished child processes (ffmpeg, ffprobe) per item; Linux only, else 0 */
  childCpuMsPerItem: number
  peakRssMb: number
  /** the workers' inference time per item (detect + OCR; the decode overlaps on libvips' threads) summed, over workers x wall: how busy the engine was kept */
  workerBusy: number
  load: string
  /** CPU per thread group (Linux): the engine's workers vs everything else */
  threads: ThreadCpu | null
}

/** CPU ms of the children this process has waited for (/proc/self/stat cutime + cstime, 100 Hz ticks) */
function childCpuMs(): number {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')
    return (Number(f[13]) + Number(f[14])) * 10
  } catch {
    return 0
  }
}

export const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')

/** Runs `fn` (which returns how many items it handled and the workers' summed ms) and measures it. */
export async function measure(
  name: string,
  workers: number,
  fn: () => Promise<{ items: number; workerMs: number }>,
  engineTids: number[] = []
): Promise<Phase> {
  let peak = process.memoryUsage().rss
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25)
  const cpu0 = process.cpuUsage()
  const child0 = childCpuMs()
  const elu0 = performance.eventLoopUtilization()
  const threads0 = snapshot()
  const t0 = performance.now()
  const { items, workerMs } = await fn()
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const threads1 = snapshot()
  const elu = performance.eventLoopUtilization(elu0)
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage().rss)
  return {
    name,
    items,
    seconds,
    cpuMsPerItem: (cpu.user + cpu.system) / 1000 / Math.max(1, items),
    childCpuMsPerItem: (childCpuMs() - child0) / Math.max(1, items),
    mainMsPerItem: elu.active / Math.max(1, items),
    peakRssMb: peak / 1048576,
    workerBusy: workerMs / (workers * seconds * 1000),
    load: load(),
    threads: threads0 && threads1 ? diff(threads0, threads1, engineTids) : null
  }
}

export const rate = (p: Phase) => p.items / p.seconds

export function line(p: Phase, unit: string): string {
  return (
    `${p.name.padEnd(14)} ${rate(p).toFixed(1).padStart(6)} ${unit}/s  (${p.items} in ${p.seconds.toFixed(1)} s)  ` +
    `CPU ${p.cpuMsPerItem.toFixed(1)}${p.childCpuMsPerItem ? ` + ffmpeg ${p.childCpuMsPerItem.toFixed(1)}` : ''} ms/${unit.replace(/s$/, '')} (main thread ${p.mainMsPerItem.toFixed(1)})  workers busy ${(p.workerBusy * 100).toFixed(0)}%  ` +
    `peak rss ${p.peakRssMb.toFixed(0)} MB  load ${p.load}` +
    (p.threads ? `\n${' '.repeat(15)}${formatThreadCpu(p.threads, p.items, unit.replace(/s$/, ''))}` : '')
  )
}

/** Keeps every worker's inbox full: `depth` requests in flight, the next sent as soon as any returns. */
export async function feed<T>(items: T[] | Iterable<T>, depth: number, run: (item: T, i: number) => Promise<ImageRecognition | null>): Promise<{ items: number; workerMs: number; results: (ImageRecognition | null)[] }> {
  const results: (ImageRecognition | null)[] = []
  const inFlight = new Set<Promise<void>>()
  let workerMs = 0
  let i = 0
  for (const item of items) {
    const k = i++
    const p: Promise<void> = run(item, k).then((r) => {
      results[k] = r
      if (r) workerMs += inferenceMs(r.timings)
    })
    inFlight.add(p)
    void p.finally(() => inFlight.delete(p))
    if (inFlight.size >= depth) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  return { items: i, workerMs, results }
}

/** A copy of a frame that owns its buffer (recognizeRaw transfers it to a worker). */
export const copyFrame = (f: RawImage): RawImage => ({ ...f, data: new Uint8Array(f.data) })

/** Engine-only reference for raw frames: the same frames, the same engine. */
export function engineFrames(engine: Engine, frames: RawImage[], count: number, depth: number) {
  const seq = { *[Symbol.iterator]() {
    for (let i = 0; i < count; i++) yield frames[i % frames.length]!
  } }
  return feed(seq, depth, (f) => engine.recognizeRaw(copyFrame(f)))
}

/** ratio line: import rate over the mean of the engine runs around it */
export function ratio(engineRuns: Phase[], imp: Phase, unit: string): string {
  const e = engineRuns.reduce((s, p) => s + rate(p), 0) / engineRuns.length
  const r = rate(imp) / e
  const own = imp.cpuMsPerItem + imp.childCpuMsPerItem
  const cpu = engineRuns.reduce((s, p) => s + p.cpuMsPerItem, 0) / engineRuns.length
  // CPU outside the engine's worker threads (decode threads, main thread, GC, ffmpeg): what an import adds
  const outside = (p: Phase) => (p.threads ? (p.cpuMsPerItem + p.childCpuMsPerItem) - p.threads.engine / Math.max(1, p.items) : NaN)
  const engineOutside = engineRuns.reduce((s, p) => s + outside(p), 0) / engineRuns.length
  return (
    (imp.threads ? `RESULT CPU outside the engine's worker threads: import ${outside(imp).toFixed(1)} vs engine alone ${engineOutside.toFixed(1)} ms per item\n` : '') +
    `RESULT engine ${e.toFixed(1)} images/s, import ${rate(imp).toFixed(1)} ${unit}/s: ratio ${r.toFixed(2)}x (goal >= 0.90); ` +
    `CPU ${own.toFixed(1)} vs ${cpu.toFixed(1)} ms per item (the rate a CPU-bound machine would keep: ${(cpu / own).toFixed(2)}x); ` +
    `import peak rss ${imp.peakRssMb.toFixed(0)} MB`
  )
}

/** `--name N` among the arguments as a number, else `def` */
export function numberFlag(args: string[], name: string, def: number): number {
  const i = args.indexOf(name)
  return i >= 0 ? Number(args[i + 1]) : def
}
