// Shared pieces of every export: the output folder rules, back-pressured text writers, the deterministic
// train/val/test split, and the frame source (an image file as it is, or a video frame cut with ffmpeg).
import { createHash } from 'node:crypto'
import { createWriteStream, existsSync, lstatSync, type WriteStream } from 'node:fs'
import { copyFile, mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path'
import { once } from 'node:events'
import sharp from 'sharp'
import type { Box, ExportLeftOut, ExportOptions } from '../../shared/types'
import { iterateExportFrames, mediaAlternativePaths, type Db, type ExportFrame, type SelectionOptions, type VideoFrameMode } from '../db/training-reader'
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
  /** detection exports: images left out because a plate on them is undecided */
  leftOut?: ExportLeftOut
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

/** Lists, per format, the files each PlateDesk export wrote into its folder (what overwrite may remove). */
export const EXPORT_MANIFEST = '.platedesk-export.json'

interface ManifestEntry {
  at: string
  /** relative paths ('/'-separated) with the size written */
  files: { path: string; size: number }[]
  /** folders the export created (removed on overwrite once empty) */
  dirs: string[]
}

interface Manifest {
  platedesk: 'export-manifest'
  version: 1
  exports: Record<string, ManifestEntry>
}

/** the manifest entry of a format: OCR and PaddleOCR write the same crops/, so they replace each other */
const manifestKey = (format: string): string => (format === 'paddleocr' ? 'ocr' : format)

const emptyManifest = (): Manifest => ({ platedesk: 'export-manifest', version: 1, exports: {} })

const rel = (dir: string, abs: string): string => relative(dir, abs).split(sep).join('/')

function lexists(p: string): boolean {
  try {
    lstatSync(p)
    return true
  } catch {
    return false
  }
}

async function readManifest(dir: string): Promise<Manifest> {
  const file = join(dir, EXPORT_MANIFEST)
  if (!lexists(file)) return emptyManifest()
  let m: Manifest
  try {
    m = JSON.parse(await readFile(file, 'utf8')) as Manifest
  } catch (err) {
    throw codedError('conflict', `${file} is not a PlateDesk export manifest (${errorMessage(err)}); move it away or choose another folder`)
  }
  if (m?.platedesk !== 'export-manifest' || typeof m.exports !== 'object' || m.exports === null) {
    throw codedError('conflict', `${file} is not a PlateDesk export manifest; move it away or choose another folder`)
  }
  return m
}

async function writeManifest(dir: string, m: Manifest): Promise<void> {
  const file = join(dir, EXPORT_MANIFEST)
  if (Object.keys(m.exports).length === 0) {
    await rm(file, { force: true })
    return
  }
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(m, null, 1) + '\n')
  await rename(tmp, file)
}

/** a path inside `dir` taken from a manifest (never one that climbs out of it) */
function inside(dir: string, p: string): string | null {
  const abs = resolve(dir, p)
  return abs.startsWith(dir + sep) ? abs : null
}

/**
 * Checks that the folder can take the export, changing nothing: missing, empty, or (with `overwrite`)
 * holding anything, as long as the files this format's previous export wrote are as it left them.
 * Returns the absolute folder.
 */
export async function checkOutDir(outDir: string, overwrite: boolean | undefined, format: string): Promise<string> {
  const dir = resolve(outDir)
  if (!existsSync(dir)) return dir
  const st = await stat(dir)
  if (!st.isDirectory()) throw codedError('invalid-request', `export folder ${dir} is a file, not a folder`)
  const entries = await readdir(dir)
  if (entries.length === 0) return dir
  if (!overwrite) {
    throw codedError('conflict', `export folder ${dir} is not empty (${entries.length} entries); choose an empty folder or allow overwrite (--overwrite)`)
  }
  const prev = (await readManifest(dir)).exports[manifestKey(format)]
  for (const f of prev?.files ?? []) {
    const abs = inside(dir, f.path)
    if (!abs || !lexists(abs)) continue
    const s = lstatSync(abs)
    if (!s.isFile() || s.size !== f.size) {
      throw codedError('conflict', `${abs} was changed after a PlateDesk ${format} export wrote it; overwrite leaves it alone: move it away or choose another folder`)
    }
  }
  return dir
}

/**
 * The output folder of one export. Overwrite removes only what this format's previous export wrote
 * (listed in EXPORT_MANIFEST), then the folders it created once empty; a user's file or folder is never
 * touched: a file the export would write over is a 'conflict' naming it. commit() records what this
 * export wrote, so the next overwrite can replace exactly that.
 */
export class ExportDir {
  private claimed = new Set<string>()
  private made: string[] = []

  private constructor(
    readonly dir: string,
    readonly format: string,
    private manifest: Manifest
  ) {}

  static async open(outDir: string, overwrite: boolean | undefined, format: string): Promise<ExportDir> {
    const dir = await checkOutDir(outDir, overwrite, format)
    await mkdir(dir, { recursive: true })
    const manifest = await readManifest(dir)
    const prev = manifest.exports[manifestKey(format)]
    if (overwrite && prev) {
      for (const f of prev.files) {
        const abs = inside(dir, f.path)
        if (abs) await rm(abs, { force: true })
      }
      const dirs = prev.dirs.map((d) => inside(dir, d)).filter((d): d is string => !!d)
      for (const d of dirs.sort((a, b) => b.length - a.length)) await rmdir(d).catch(() => undefined) // kept when not empty
      delete manifest.exports[manifestKey(format)]
      await writeManifest(dir, manifest)
    }
    return new ExportDir(dir, format, manifest)
  }

  /** Claims an absolute path inside the folder for this export; a file already there is a conflict. */
  claim = (abs: string): string => {
    const r = rel(this.dir, abs)
    if (this.claimed.has(r)) return abs
    if (r === EXPORT_MANIFEST || lexists(abs)) {
      const owner = Object.entries(this.manifest.exports).find(([, e]) => e.files.some((f) => f.path === r))?.[0]
      throw codedError(
        'conflict',
        `the ${this.format} export would overwrite ${abs}, which ${owner ? `a PlateDesk ${owner} export wrote` : 'PlateDesk did not write'}; ` +
          'nothing of yours is replaced: move it away or choose another folder'
      )
    }
    this.claimed.add(r)
    return abs
  }

  /** Creates a folder (and parents) inside the export folder, remembering the ones it made. */
  async mkdir(...parts: string[]): Promise<string> {
    const abs = join(this.dir, ...parts)
    const missing: string[] = []
    for (let d = abs; d.startsWith(this.dir + sep) && !lexists(d); d = dirname(d)) missing.push(d)
    await mkdir(abs, { recursive: true })
    this.made.push(...missing.map((d) => rel(this.dir, d)))
    return abs
  }

  /** Records the files this export wrote (those still there) in the manifest. */
  async commit(): Promise<void> {
    const files: ManifestEntry['files'] = []
    for (const r of [...this.claimed].sort()) {
      try {
        const s = lstatSync(join(this.dir, r))
        if (s.isFile()) files.push({ path: r, size: s.size })
      } catch {
        // claimed but never written (a failed frame) or a temporary file already removed
      }
    }
    const key = manifestKey(this.format)
    const prev = this.manifest.exports[key]
    this.manifest.exports[key] = {
      at: new Date().toISOString(),
      files: [...(prev?.files ?? []).filter((f) => !this.claimed.has(f.path)), ...files],
      dirs: [...new Set([...(prev?.dirs ?? []), ...this.made])]
    }
    await writeManifest(this.dir, this.manifest)
  }
}

export function isConflict(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'conflict'
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

function hashUnit(sourceKey: string): number {
  return createHash('sha256').update(`platedesk-split:${sourceKey}`).digest().readUInt32BE(0) / 0x1_0000_0000
}

/** Sources per split for n sources: largest remainders of n × ratio; once there are at least twice as
 *  many sources as splits with a share, each of those splits gets at least one. */
export function splitQuotas(n: number, split?: [number, number, number]): [number, number, number] {
  const r = splitRatios(split)
  const c = r.map((x) => Math.floor(x * n)) as [number, number, number]
  const byFraction = [0, 1, 2].sort((a, b) => r[b] * n - c[b] - (r[a] * n - c[a]) || a - b)
  for (let left = n - c[0] - c[1] - c[2], k = 0; left > 0; left--, k++) c[byFraction[k % 3]]++
  const wanted = [0, 1, 2].filter((i) => r[i] > 0)
  if (n >= 2 * wanted.length) {
    for (const i of wanted) {
      if (c[i] > 0) continue
      const donor = [0, 1, 2].sort((a, b) => c[b] - c[a] || a - b)[0]
      c[donor]--
      c[i]++
    }
  }
  return c
}

/**
 * The split of each source (media sha256) of one export. Deterministic: sources are ranked by a hash of
 * their identity and cut by the split quotas, so the same library gives the same split on every run and
 * machine, the frames of one video share a split, and each split with a share is non-empty once there is
 * enough data (a plain per-source hash can leave a 10% split empty on a small set). A source not in the
 * plan falls back to the per-source hash (splitOf).
 */
export function planSplits(sourceKeys: Iterable<string>, split?: [number, number, number]): (sourceKey: string) => Split {
  const ranked = [...new Set(sourceKeys)].map((k) => ({ k, u: hashUnit(k) })).sort((a, b) => a.u - b.u || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
  const [train, val] = splitQuotas(ranked.length, split)
  const plan = new Map<string, Split>()
  ranked.forEach(({ k }, i) => plan.set(k, i < train ? 'train' : i < train + val ? 'val' : 'test'))
  return (key) => plan.get(key) ?? splitOf(key, split)
}

/** The sources (media sha256) of the frames an export will write: one pass over the frames, no pixels. */
export function exportedSources(db: Db, opts: SelectionOptions & { videoFrames?: VideoFrameMode }, writes: (f: ExportFrame) => boolean): Set<string> {
  const out = new Set<string>()
  for (const f of iterateExportFrames(db, opts)) if (writes(f)) out.add(f.sha256)
  return out
}

export function emptyLeftOut(): ExportLeftOut {
  return { partlyReviewed: 0, unreviewed: 0 }
}

/**
 * Whether a detection export (YOLO, COCO, VOC) writes this frame: only when every plate on it is decided
 * (a label, or rejected); a frame with an undecided plate would teach the detector that a real plate is
 * background. Counts what it leaves out into `leftOut`.
 */
export function detectionFrame(f: ExportFrame, leftOut?: ExportLeftOut): boolean {
  if (f.labels.length > 0 && f.undecided === 0) return true
  if (leftOut) {
    if (f.labels.length > 0) leftOut.partlyReviewed++
    else leftOut.unreviewed++
  }
  return false
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
  async writeFrame(f: ExportFrame, destNoExt: string, claim: (path: string) => string = (p) => p): Promise<string> {
    const src = this.resolveMediaPath(f)
    if (f.kind === 'video') {
      const png = await extractVideoFrame(src, this.frameTime(f))
      const dest = claim(`${destNoExt}.jpg`)
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
        const dest = claim(`${destNoExt}${ext === '.jpeg' ? '.jpg' : ext}`)
        await copyFile(src, dest)
        return dest
      }
    }
    const img = await this.decode(f)
    const dest = claim(`${destNoExt}.jpg`)
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
