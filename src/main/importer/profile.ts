// Where an import's time goes, for benchmarks (scripts/bench-import.ts, bench-video.ts). Synchronous
// stages (SQLite, tracking) are main-thread CPU; awaited stages (hash, EXIF, waiting on the engine or
// on ffmpeg) are wall time that may overlap. `workerMs` sums the workers' inference time per image
// (detect + OCR; each worker decodes the next image meanwhile), so workerMs / (workers x wall) says
// how busy the engine was kept.
import type { StageTimings } from '../../shared/types'

export type ImportStage = 'lookup' | 'hash' | 'exif' | 'engine-wait' | 'decode-wait' | 'still-check' | 'track' | 'commit'

export class ImportProfile {
  readonly ms: Record<ImportStage, number> = { lookup: 0, hash: 0, exif: 0, 'engine-wait': 0, 'decode-wait': 0, 'still-check': 0, track: 0, commit: 0 }
  /** the workers' inference time (inferenceMs) summed over every image or frame */
  workerMs = 0
  files = 0
  frames = 0
  commits = 0

  /** one image (files) or video frame (frames) back from the engine */
  recognised(unit: 'files' | 'frames', t: StageTimings): void {
    this[unit]++
    this.workerMs += inferenceMs(t)
  }

  /** times a synchronous section */
  sync<T>(stage: ImportStage, fn: () => T): T {
    const t0 = performance.now()
    try {
      return fn()
    } finally {
      this.ms[stage] += performance.now() - t0
    }
  }

  /** times an awaited promise (wall time) */
  async wait<T>(stage: ImportStage, p: Promise<T>): Promise<T> {
    const t0 = performance.now()
    try {
      return await p
    } finally {
      this.ms[stage] += performance.now() - t0
    }
  }

  /** one line per stage: total ms and ms per file (or per frame for video-only runs) */
  summary(per: number, unit: string): string {
    const rows = Object.entries(this.ms).filter(([, v]) => v > 0)
    return rows.map(([k, v]) => `${k} ${(v / Math.max(1, per)).toFixed(2)}`).join(', ') + ` ms/${unit}`
  }
}

/** A worker's time on one image, less its decode: the decode overlaps the previous image's inference. */
export function inferenceMs(t: StageTimings): number {
  return t.totalMs - t.decodeMs
}
