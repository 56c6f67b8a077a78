// Shared pieces of every export: the output folder rules, back-pressured text writers, the deterministic
// train/val/test split, and the frame source (an image file as it is, or a video frame cut with ffmpeg).
import { createHash } from 'node:crypto'
import { createWriteStream, existsSync, type WriteStream } from 'node:fs'
import { copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises'
import { basename, extname, join, resolve } from 'node:path'
import { once } from 'node:events'
import sharp from 'sharp'
import type { Box, ExportOptions } from '../../shared/types'
import { mediaAlternativePaths, type Db, type ExportFrame } from '../db/training-reader'
import { decodeImageFile } from '../media/images'
import { ffmpegPath } from '../media/probe'
import { runBounded } from '../media/ffmpeg'

export type Split = 'train' | 'val' | 'test'
export const SPLITS: Split[] = ['train', 'val', 'test']
export const DEFAULT_SPLIT: [number, number, number] = [0.8, 0.1, 0.1]
export const PLATE_CLASS = 'license_plate'

export interface ExportFailure {
  path: string
  error: string
}

export interface ExportHooks {
  onProgress?: (p: { done: number; total: number }) => void
  signal?: AbortSignal
}

export interface ExportResult {
  format: ExportOptions['format']
  outDir: string
  /** image files written (frames or crops) */
  images: number
  /** boxes / rows written */
  labels: number
  /** selected plates */
  total: number
  failures: ExportFailure[]
  /** main files, relative to outDir */
  files: string[]
}

export class ExportCancelled extends Error {
  constructor() {
    super('export cancelled')
    this.name = 'ExportCancelled'
  }
}

export function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ExportCancelled()
}

/**
 * Makes sure the output folder can take the export: created when missing; a non-empty folder is refused
 * unless `overwrite`, in which case only the entries this format writes are removed (never anything else).
 */
export async function prepareOutDir(outDir: string, overwrite: boolean | undefined, owned: string[]): Promise<string> {
  const dir = resolve(outDir)
  if (existsSync(dir)) {
    const st = await stat(dir)
    if (!st.isDirectory()) throw codedError('invalid-request', `export folder ${dir} is a file, not a folder`)
    const entries = await readdir(dir)
    if (entries.length > 0) {
      if (!overwrite) {
        throw codedError('conflict', `export folder ${dir} is not empty (${entries.length} entries); choose an empty folder or allow overwrite (--overwrite)`)
      }
      for (const e of owned) await rm(join(dir, e), { recursive: true, force: true })
    }
  }
  await mkdir(dir, { recursive: true })
  return dir
}

/** An Error carrying an API error code ('conflict', 'invalid-request', …) for the transports. */
export function codedError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code })
}

/** A text file written line by line with back-pressure (never buffers the whole export). */
export class TextWriter {
  private stream: WriteStream
  private failed: Error | null = null
  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { encoding: 'utf8' })
    this.stream.on('error', (err) => {
      this.failed = err
    })
  }

  async write(s: string): Promise<void> {
    if (this.failed) throw new Error(`${this.path}: ${this.failed.message}`)
    if (!this.stream.write(s)) await once(this.stream, 'drain')
  }

  async close(): Promise<void> {
    if (this.failed) throw new Error(`${this.path}: ${this.failed.message}`)
    await new Promise<void>((res, rej) => this.stream.end((err?: Error | null) => (err ? rej(err) : res())))
  }
}

/** Normalised split ratios (train, val, test). */
export function splitRatios(split?: [number, number, number]): [number, number, number] {
  const s = split ?? DEFAULT_SPLIT
  const sum = s[0] + s[1] + s[2]
  if (!(sum > 0)) return DEFAULT_SPLIT
  return [s[0] / sum, s[1] / sum, s[2] / sum]
}

/**
 * The split of a source, from a hash of its content identity (media sha256): the same media always lands
 * in the same split, across runs and machines, and all frames of one video share it.
 */
export function splitOf(sourceKey: string, split?: [number, number, number]): Split {
  const [train, val] = splitRatios(split)
  const h = createHash('sha256').update(`platedesk-split:${sourceKey}`).digest()
  const u = h.readUInt32BE(0) / 0x1_0000_0000
  if (u < train) return 'train'
  if (u < train + val) return 'val'
  return 'test'
}

/** Box clipped to the frame; null when nothing is left. */
export function clipBox(b: Box, width: number, height: number): Box | null {
  const x1 = Math.max(0, Math.min(width, Math.min(b.x1, b.x2)))
  const x2 = Math.max(0, Math.min(width, Math.max(b.x1, b.x2)))
  const y1 = Math.max(0, Math.min(height, Math.min(b.y1, b.y2)))
  const y2 = Math.max(0, Math.min(height, Math.max(b.y1, b.y2)))
  if (x2 - x1 < 1e-6 || y2 - y1 < 1e-6) return null
  return { x1, y1, x2, y2 }
}

/** Short decimal text for coordinates (no float noise, no trailing zeros). */
export function fmt(n: number, digits = 2): string {
  return String(Number(n.toFixed(digits)))
}

function safeStem(p: string): string {
  return basename(p, extname(p)).replace(/[^0-9A-Za-z._-]+/g, '_').slice(0, 80) || 'media'
}

/** Stable, unique file stem of an exported frame: `<name>_m<mediaId>` (+ `_f<idx>` for video frames). */
export function frameStem(f: ExportFrame): string {
  return f.kind === 'video' ? `${safeStem(f.mediaPath)}_m${f.mediaId}_f${f.frameIdx}` : `${safeStem(f.mediaPath)}_m${f.mediaId}`
}

/** One video frame as PNG bytes, cut at `timeS` (accurate seek: ffmpeg decodes up to that time). */
export async function extractVideoFrame(video: string, timeS: number): Promise<Buffer> {
  const bin = ffmpegPath()
  // a hair before the frame's timestamp so float rounding never lands on the next frame
  const t = Math.max(0, timeS - 0.001).toFixed(3)
  const args = ['-v', 'error', '-nostdin', '-ss', t, '-i', video, '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'png', 'pipe:1']
  // a bounded child (time, address space, output size): the video is untrusted input
  const r = await runBounded(bin, args, { timeoutMs: 120_000, maxStdoutBytes: 1 << 30 })
  if (r.error) throw new Error(`${video}: cannot run ffmpeg (${r.error.message})`)
  if (r.code === 0 && r.stdout.length > 0) return r.stdout
  const why = r.timedOut ? 'ffmpeg took longer than 120 s, killed' : r.stderr.trim().split('\n').pop() || `exit ${r.code ?? r.signal}, no frame`
  throw new Error(`${video}: ffmpeg could not extract the frame at ${t}s (${why})`)
}

/** Resolves where a frame's pixels come from and writes or decodes them. */
export class FrameSource {
  constructor(private db: Db) {}

  /** The media file: its import path, else any other path it was seen at. Throws naming the file. */
  resolveMediaPath(f: ExportFrame): string {
    if (existsSync(f.mediaPath)) return f.mediaPath
    for (const p of mediaAlternativePaths(this.db, f.mediaId)) if (existsSync(p)) return p
    throw new Error(`${f.mediaPath}: source file not found (moved or deleted since import)`)
  }

  frameTime(f: ExportFrame): number {
    if (f.timeS != null) return f.timeS
    if (f.fps && f.fps > 0) return f.frameIdx / f.fps
    throw new Error(`${f.mediaPath}: frame ${f.frameIdx} has no time and the video no frame rate`)
  }

  /**
   * Writes the frame's image to `destNoExt` + extension and returns the file name written. Images that
   * need no rotation are copied byte for byte; rotated or exotic ones (BMP, GIF, TIFF) are re-encoded
   * upright as JPEG; video frames are cut with ffmpeg.
   */
  async writeFrame(f: ExportFrame, destNoExt: string): Promise<string> {
    const src = this.resolveMediaPath(f)
    if (f.kind === 'video') {
      const png = await extractVideoFrame(src, this.frameTime(f))
      const dest = `${destNoExt}.jpg`
      await sharp(png).jpeg({ quality: 95 }).toFile(dest)
      return dest
    }
    const ext = extname(src).toLowerCase()
    if (['.jpg', '.jpeg', '.png', '.webp'].includes(ext)) {
      let orientation = 1
      try {
        orientation = (await sharp(src).metadata()).orientation ?? 1
      } catch (err) {
        throw new Error(`${src}: cannot read the image (${err instanceof Error ? err.message : String(err)})`)
      }
      if (orientation <= 1) {
        const dest = `${destNoExt}${ext === '.jpeg' ? '.jpg' : ext}`
        await copyFile(src, dest)
        return dest
      }
    }
    const img = await this.decode(f)
    const dest = `${destNoExt}.jpg`
    await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality: 95 }).toFile(dest)
    return dest
  }

  /** Full-resolution upright RGB pixels of the frame (for crops). */
  async decode(f: ExportFrame): Promise<{ data: Buffer; width: number; height: number }> {
    const src = this.resolveMediaPath(f)
    if (f.kind === 'video') {
      const png = await extractVideoFrame(src, this.frameTime(f))
      const { data, info } = await sharp(png).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true })
      return { data, width: info.width, height: info.height }
    }
    const d = await decodeImageFile(src, { maxSide: 1 << 30 })
    return { data: d.data, width: d.width, height: d.height }
  }
}

/** Frames in flight at once: file copies, sharp and ffmpeg overlap; memory stays a few frames. */
export const EXPORT_CONCURRENCY = 4

/**
 * Runs `fn` over a (lazy) iterable with at most `limit` calls in flight, pulling the next item only when a
 * slot frees. The first error stops further pulls and is rethrown once the calls in flight have settled.
 */
export async function forEachConcurrent<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = items[Symbol.iterator]()
  let failed: { err: unknown } | null = null
  const lane = async (): Promise<void> => {
    while (!failed) {
      const next = it.next()
      if (next.done) return
      try {
        await fn(next.value)
      } catch (err) {
        if (!failed) failed = { err }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, limit) }, lane))
  if (failed) throw (failed as { err: unknown }).err
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
