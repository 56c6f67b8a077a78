// Still-image decoding for the engine: any supported file → 8-bit, 3-channel RGB pixels, EXIF-oriented,
// bounded in size. The detector only needs a 416 letterbox and the OCR only needs plate crops, so a
// 50 MP photo is decoded straight to a working size (JPEG shrink-on-load) and boxes are mapped back to
// original pixels with `scale`.
// Files are decoded straight from disk with libvips' sequential access: a file is never read whole
// into memory, and its header is checked against the pixel limit before any pixel is allocated.
import type { Dirent, Stats } from 'node:fs'
import { lstat, open, readdir, readFile, stat } from 'node:fs/promises'
import { extname, join, resolve } from 'node:path'
import sharp, { type Metadata, type Sharp } from 'sharp'
import type { Box } from '../../shared/types'
import { WHOLE_FILE_MAX } from './hash'
import { jpegIccProfile, toSrgb } from './icc'

/** Longest side of the decoded working image. Plates stay legible; memory stays ~20 MB per image. */
export const DEFAULT_MAX_SIDE = 2560

/** Refuse absurd headers before allocating (sharp trusts the header for this check). 0x3FFF² ≈ 268 MP:
 *  a 16000x16000 scan still opens, a decompression bomb's 50000x50000 header does not. */
export const MAX_INPUT_PIXELS = 0x3fff * 0x3fff

/** BMPs are decoded in JS from a buffer: refuse files that could not be a BMP under the pixel limit */
const MAX_BMP_BYTES = MAX_INPUT_PIXELS * 4 + (1 << 16)

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.tif', '.tiff', '.bmp', '.gif', '.avif']

export function isImagePath(path: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(path).toLowerCase())
}

export interface DecodedImage {
  /** interleaved RGB, 8 bit, width*height*3 bytes */
  data: Buffer
  /** working size (after orientation and any downscale) */
  width: number
  height: number
  /** original size after EXIF orientation: what boxes are reported in */
  origWidth: number
  origHeight: number
  /** working / original, <= 1; divide working coordinates by it to get original pixels */
  scale: number
  format: string
}

/** A decode failure; the message always names the file and the cause. */
export class ImageDecodeError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string
  ) {
    super(`${file}: ${reason}`)
    this.name = 'ImageDecodeError'
  }
}

/**
 * sharp's input options for an engine decode; ignoreIcc: decode the pixels as stored, without libvips'
 * colour transform of the full-size image through the embedded profile (colourOf says when).
 */
function engineInput(ignoreIcc: boolean) {
  return { failOn: 'truncated', limitInputPixels: MAX_INPUT_PIXELS, autoOrient: true, ignoreIcc } as const
}

/**
 * What a JPEG's embedded colour profile needs. sRGB (cameras and photo editors often embed it): nothing,
 * where libvips ran an identity transform (15.5 vs 4.8 ms CPU per 720p decode, 181 vs 68 ms at 12 MP).
 * Another matrix profile (Display P3 from phones, Adobe RGB): a conversion to sRGB in icc.ts on the
 * working image, cheaper than libvips' on the full-size one. Read as stored instead, fixture frames
 * made P3 lost a plate. Anything else (CMYK, LUT profiles, other formats): libvips as before.
 */
function colourOf(head: Buffer): { ignoreIcc: boolean; convert: ((rgb: Buffer) => void) | null } {
  const c = toSrgb(jpegIccProfile(head))
  return c === null ? { ignoreIcc: false, convert: null } : { ignoreIcc: true, convert: c === 'identity' ? null : c }
}

export interface DecodeOptions {
  /** bound on the longest side of the working image (default 2560) */
  maxSide?: number
}

/**
 * Reads and decodes an image file. Rejects with ImageDecodeError (file + cause). A file up to
 * WHOLE_FILE_MAX is read in one go and decoded from memory: 4.8 vs 6.4 ms CPU per 720p fixture JPEG
 * (no header pass and no sequential reads from disk); larger ones stream from disk, never whole in memory.
 */
export async function decodeImageFile(path: string, opts: DecodeOptions = {}): Promise<DecodedImage> {
  const head = await openImage(path, WHOLE_FILE_MAX)
  if (head.bytes.length === head.size) return decodeImageBuffer(head.bytes, path, opts)
  const maxSide = Math.min(opts.maxSide ?? DEFAULT_MAX_SIDE, 100_000_000)
  if (isBmp(head.bytes)) return decodeImageBuffer(await readBmp(path, head.size), path, opts)
  const dims = await imageHeader(path, head.bytes)
  // only the file's first bytes are at hand: an sRGB profile there is skipped, any other left to libvips
  const img = sharp(path, { ...engineInput(toSrgb(jpegIccProfile(head.bytes)) === 'identity'), sequentialRead: true })
  return finish(img, head.bytes, path, maxSide, sniffFormat(head.bytes), dims)
}

/** a JPEG's colour profile sits in its header segments, after EXIF (with its thumbnail): 64 KB holds both */
const PREVIEW_HEAD_BYTES = 65536

/** stat + the first `headBytes` (format sniffing, colour profile, error messages), or all of them up to `whole` bytes; rejects with ImageDecodeError */
async function openImage(path: string, whole = 0, headBytes = 4096): Promise<{ bytes: Buffer; size: number }> {
  try {
    const st = await stat(path)
    if (st.isDirectory()) throw new ImageDecodeError(path, 'is a directory, not an image file')
    if (!st.isFile()) throw new ImageDecodeError(path, 'is not a regular file')
    if (st.size === 0) throw new ImageDecodeError(path, 'empty file (0 bytes)')
    const fh = await open(path, 'r')
    try {
      const bytes = Buffer.alloc(st.size <= whole ? st.size : Math.min(headBytes, st.size))
      const { bytesRead } = await fh.read(bytes, 0, bytes.length, 0)
      return { bytes: bytes.subarray(0, bytesRead), size: st.size }
    } finally {
      await fh.close()
    }
  } catch (err) {
    if (err instanceof ImageDecodeError) throw err
    throw new ImageDecodeError(path, await describeFsError(path, err))
  }
}

async function readBmp(path: string, size: number): Promise<Buffer> {
  if (size > MAX_BMP_BYTES) throw new ImageDecodeError(path, `BMP file too large (${(size / 1e9).toFixed(1)} GB)`)
  try {
    return await readFile(path)
  } catch (err) {
    throw new ImageDecodeError(path, await describeFsError(path, err))
  }
}

/**
 * The image's upright size from its header alone (nothing decoded); refuses images over the pixel
 * limit with their dimensions in the message.
 */
export async function imageHeader(path: string, head?: Buffer): Promise<{ width: number; height: number }> {
  let meta: Metadata
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata()
  } catch (err) {
    throw new ImageDecodeError(path, describeSharpError(head ?? null, err))
  }
  const width = meta.autoOrient?.width ?? meta.width
  const height = meta.autoOrient?.height ?? meta.height
  if (!width || !height) throw new ImageDecodeError(path, 'no image size in the file header')
  checkPixels(path, width, height)
  return { width, height }
}

function checkPixels(name: string, width: number, height: number): void {
  if (width * height > MAX_INPUT_PIXELS) {
    const mp = (n: number) => `${Math.round(n / 1e6)} MP`
    throw new ImageDecodeError(name, `image too large: ${width}x${height} (${mp(width * height)}) is over the limit of ${mp(MAX_INPUT_PIXELS)}`)
  }
}

export interface PreviewOptions {
  /** a region in upright image pixels */
  crop?: Box
  /** bound on the longest side of the result; crops are enlarged up to it */
  maxSide: number
  quality?: number
}

/**
 * A JPEG preview (thumbnail or crop) of an image file in one streaming libvips pass: JPEG/WebP
 * shrink-on-load where the format has it, sequential reading otherwise, so memory stays at a few
 * scanlines plus the output whatever the image's size.
 */
export async function previewImageFile(path: string, o: PreviewOptions): Promise<{ data: Buffer; width: number; height: number }> {
  const head = await openImage(path, 0, PREVIEW_HEAD_BYTES)
  let img: Sharp
  let dims: { width: number; height: number }
  if (isBmp(head.bytes)) {
    const bmp = decodeBmp(await readBmp(path, head.size), path)
    img = sharp(bmp.data, { raw: { width: bmp.width, height: bmp.height, channels: bmp.channels } })
    dims = { width: bmp.width, height: bmp.height }
  } else {
    dims = await imageHeader(path, head.bytes)
    // a colour profile goes to the browser, which displays it colour-managed, instead of libvips converting
    // every preview to sRGB (12 MP JPEG at 1280 px: 89 vs 32 ms with a P3 profile, 60 vs 32 ms with sRGB)
    const colour = toSrgb(jpegIccProfile(head.bytes))
    img = sharp(path, { failOn: 'none', limitInputPixels: MAX_INPUT_PIXELS, autoOrient: true, sequentialRead: true, ignoreIcc: colour === 'identity' })
    if (typeof colour === 'function') img = img.keepIccProfile()
  }
  if (o.crop) {
    const c = o.crop
    const left = Math.max(0, Math.floor(Math.min(c.x1, c.x2)))
    const top = Math.max(0, Math.floor(Math.min(c.y1, c.y2)))
    const right = Math.min(dims.width, Math.ceil(Math.max(c.x1, c.x2)))
    const bottom = Math.min(dims.height, Math.ceil(Math.max(c.y1, c.y2)))
    if (right - left < 1 || bottom - top < 1) {
      throw Object.assign(new Error(`crop lies outside the ${dims.width}x${dims.height} frame`), { code: 'invalid-request' })
    }
    img = img.extract({ left, top, width: right - left, height: bottom - top })
  }
  try {
    const { data, info } = await img
      .resize({ width: o.maxSide, height: o.maxSide, fit: 'inside', withoutEnlargement: !o.crop })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .jpeg({ quality: o.quality ?? 85 })
      .toBuffer({ resolveWithObject: true })
    return { data, width: info.width, height: info.height }
  } catch (err) {
    throw new ImageDecodeError(path, describeSharpError(head.bytes, err))
  }
}

async function describeFsError(path: string, err: unknown): Promise<string> {
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'ENOENT') {
    // stat follows links; lstat tells a dangling symlink from a missing file
    const isLink = await lstat(path).then(
      (s) => s.isSymbolicLink(),
      () => false
    )
    return isLink ? 'broken symbolic link (its target does not exist)' : 'file not found'
  }
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied (cannot read the file)'
  if (code === 'EISDIR') return 'is a directory, not an image file'
  return `cannot read: ${(err as Error).message}`
}

/** Decodes an in-memory image; `name` is only used in error messages. */
export async function decodeImageBuffer(buf: Buffer, name: string, opts: DecodeOptions = {}): Promise<DecodedImage> {
  if (buf.length === 0) throw new ImageDecodeError(name, 'empty file (0 bytes)')
  // sharp refuses resize targets above 1e8; callers ask for "no bound" with a huge number (exports)
  const maxSide = Math.min(opts.maxSide ?? DEFAULT_MAX_SIDE, 100_000_000)
  if (isBmp(buf)) {
    const bmp = decodeBmp(buf, name)
    const img = sharp(bmp.data, { raw: { width: bmp.width, height: bmp.height, channels: bmp.channels } })
    return finish(img, buf, name, maxSide, 'bmp', { width: bmp.width, height: bmp.height })
  }
  // 'truncated' aborts on cut-off data (a half-copied JPEG) but tolerates the harmless warnings many
  // cameras' files raise, which the stricter default 'warning' level would reject.
  const colour = colourOf(buf)
  const img = sharp(buf, engineInput(colour.ignoreIcc))
  const decoded = await finish(img, buf, name, maxSide, sniffFormat(buf), null)
  colour.convert?.(decoded.data)
  return decoded
}

/**
 * One libvips pipeline: orient, bound the size, flatten alpha, convert to 8-bit sRGB. No separate
 * metadata pass for the common case (saves ~1 ms CPU per 720p JPEG): when the output is below
 * maxSide nothing was resized, so the output size is the original (oriented) size.
 */
async function finish(
  img: Sharp,
  /** the encoded image, or only its first bytes when dims is given */
  buf: Buffer,
  name: string,
  maxSide: number,
  format: string,
  dims: { width: number; height: number } | null
): Promise<DecodedImage> {
  try {
    // resize() lets libvips pick JPEG/WebP shrink-on-load, so a 50 MP raster is never allocated;
    // withoutEnlargement makes it a no-op for ordinary photos
    const { data, info } = await img
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true, kernel: 'linear' })
      .flatten({ background: '#ffffff' }) // only acts on alpha: transparent pixels often hold black
      .toColourspace('srgb') // grey → 3 bands, 16-bit → 8-bit, CMYK → RGB
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true })
    if (info.channels !== 3) throw new Error(`unexpected ${info.channels} channels after conversion`)
    let width = info.width
    let height = info.height
    if (Math.max(width, height) >= maxSide) {
      if (dims) ({ width, height } = dims)
      else {
        const meta = await sharp(buf, { limitInputPixels: MAX_INPUT_PIXELS }).metadata()
        width = meta.autoOrient?.width ?? meta.width
        height = meta.autoOrient?.height ?? meta.height
      }
    }
    return { data, width: info.width, height: info.height, origWidth: width, origHeight: height, scale: info.width / width, format }
  } catch (err) {
    // an in-memory image over the pixel limit: say how large it is, as the header check of a file does
    if (!dims && /pixel limit/i.test((err as Error).message ?? '')) {
      const meta = await sharp(buf, { limitInputPixels: false }).metadata().catch(() => null)
      const w = meta?.autoOrient?.width ?? meta?.width
      const h = meta?.autoOrient?.height ?? meta?.height
      if (w && h) checkPixels(name, w, h)
    }
    throw new ImageDecodeError(name, describeSharpError(buf, err))
  }
}

function sniffFormat(b: Buffer): string {
  if (b[0] === 0xff && b[1] === 0xd8) return 'jpeg'
  if (b[0] === 0x89 && b[1] === 0x50) return 'png'
  if (b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp'
  const t = b.subarray(0, 4).toString('latin1')
  if (t === 'II*\0' || t === 'MM\0*') return 'tiff'
  if (t.startsWith('GIF8')) return 'gif'
  if (b.subarray(4, 8).toString('latin1') === 'ftyp') return 'heif'
  return 'unknown'
}

/** HEIF brands of HEVC-coded images: sharp's libvips reads AVIF (AV1) only, HEVC needs a patent licence */
const HEVC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs'])

function describeSharpError(buf: Buffer | null, err: unknown): string {
  const msg = (err as Error).message ?? String(err)
  if (buf && buf.length >= 12 && buf.toString('latin1', 4, 8) === 'ftyp' && HEVC_BRANDS.has(buf.toString('latin1', 8, 12))) {
    return 'HEIC photo (HEVC-coded, the iPhone camera\'s default format) cannot be decoded here: save or export it as JPEG (on an iPhone: Settings → Camera → Formats → Most Compatible)'
  }
  if (/unsupported image format/i.test(msg)) {
    if (buf && looksLikeText(buf)) return 'not an image: the file contains text (wrong extension?)'
    if (buf && buf.length >= 16 && buf.every((b) => b === 0)) return 'not an image: the file starts with zero bytes (an unfinished copy or download?)'
    return 'not a supported image format (JPEG, PNG, WebP, TIFF, BMP, GIF, AVIF)'
  }
  if (/premature end|truncat|end of file|unexpected end|Invalid SOS|corrupt/i.test(msg)) {
    return `truncated or corrupt image data (${msg.trim().split('\n')[0]})`
  }
  if (/pixel limit/i.test(msg)) return `image too large (over ${Math.round(MAX_INPUT_PIXELS / 1e6)} MP)`
  return `cannot decode: ${msg.trim().split('\n')[0]}`
}

function looksLikeText(buf: Buffer): boolean {
  const n = Math.min(buf.length, 512)
  let printable = 0
  for (let i = 0; i < n; i++) {
    const c = buf[i]!
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 0xc2) printable++
  }
  return printable / n > 0.95
}

// ------------------------------------------------------------------ BMP
// libvips (and so sharp) has no BMP loader. Windows tools still write BMPs, so decode the common
// uncompressed kinds here: 24/32-bit BI_RGB and 32-bit BI_BITFIELDS, plus 8-bit palette.

function isBmp(buf: Buffer): boolean {
  return buf.length >= 26 && buf[0] === 0x42 && buf[1] === 0x4d
}

export interface RawPixels {
  data: Buffer
  width: number
  height: number
  channels: 3 | 4
}

export function decodeBmp(buf: Buffer, name = 'image.bmp'): RawPixels {
  const fail = (why: string): never => {
    throw new ImageDecodeError(name, `unsupported or corrupt BMP: ${why}`)
  }
  if (!isBmp(buf)) fail('missing "BM" signature')
  const dataOffset = buf.readUInt32LE(10)
  const headerSize = buf.readUInt32LE(14)
  if (headerSize < 40) fail(`old OS/2 header (${headerSize} bytes) is not supported`)
  const width = buf.readInt32LE(18)
  const rawHeight = buf.readInt32LE(22)
  const bpp = buf.readUInt16LE(28)
  const compression = buf.readUInt32LE(30)
  const bottomUp = rawHeight > 0
  const height = Math.abs(rawHeight)
  if (width <= 0 || height <= 0) fail(`bad size ${width}x${rawHeight}`)
  if (width * height > MAX_INPUT_PIXELS) fail(`image too large: ${width}x${height} is over the limit of ${Math.round(MAX_INPUT_PIXELS / 1e6)} MP`)
  // BI_RGB = 0, BI_BITFIELDS = 3 (only the standard masks, which is what 32-bit writers emit)
  if (!(compression === 0 || (compression === 3 && bpp === 32))) fail(`compression ${compression} is not supported`)
  if (![8, 24, 32].includes(bpp)) fail(`${bpp} bits per pixel is not supported`)
  const rowSize = Math.ceil((width * bpp) / 32) * 4
  if (dataOffset + rowSize * height > buf.length) fail('file is truncated')

  let palette: Buffer | null = null
  if (bpp === 8) {
    const colours = buf.readUInt32LE(46) || 256
    palette = buf.subarray(14 + headerSize, 14 + headerSize + colours * 4)
  }
  // 32-bit files carry alpha only when a header (v4/v5) declares an alpha mask; otherwise byte 4 is padding
  const hasAlpha = bpp === 32 && headerSize >= 56 && buf.readUInt32LE(54) !== 0
  const channels: 3 | 4 = hasAlpha ? 4 : 3
  const out = Buffer.allocUnsafe(width * height * channels)
  for (let y = 0; y < height; y++) {
    const src = dataOffset + (bottomUp ? height - 1 - y : y) * rowSize
    let o = y * width * channels
    for (let x = 0; x < width; x++) {
      if (bpp === 8) {
        const p = buf[src + x]! * 4
        out[o++] = palette![p + 2] ?? 0
        out[o++] = palette![p + 1] ?? 0
        out[o++] = palette![p] ?? 0
      } else {
        const s = src + x * (bpp >> 3)
        out[o++] = buf[s + 2]!
        out[o++] = buf[s + 1]!
        out[o++] = buf[s]!
        if (hasAlpha) out[o++] = buf[s + 3]!
      }
    }
  }
  return { data: out, width, height, channels }
}

/** Writes a 24-bit bottom-up BMP (used by tests and as a reference for the decoder above). */
export function encodeBmp24(rgb: Uint8Array, width: number, height: number): Buffer {
  const rowSize = Math.ceil((width * 3) / 4) * 4
  const buf = Buffer.alloc(54 + rowSize * height)
  buf.write('BM', 0, 'latin1')
  buf.writeUInt32LE(buf.length, 2)
  buf.writeUInt32LE(54, 10)
  buf.writeUInt32LE(40, 14)
  buf.writeInt32LE(width, 18)
  buf.writeInt32LE(height, 22)
  buf.writeUInt16LE(1, 26)
  buf.writeUInt16LE(24, 28)
  buf.writeUInt32LE(rowSize * height, 34)
  for (let y = 0; y < height; y++) {
    const dst = 54 + (height - 1 - y) * rowSize
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3
      buf[dst + x * 3] = rgb[s + 2]!
      buf[dst + x * 3 + 1] = rgb[s + 1]!
      buf[dst + x * 3 + 2] = rgb[s]!
    }
  }
  return buf
}

// ------------------------------------------------------------------ file lists

export interface ImageList {
  /** image files, in a stable order (sorted per folder, folders walked depth-first) */
  files: string[]
  /** paths that could not be listed: missing, unreadable folder, dangling link */
  errors: { file: string; error: string }[]
}

/**
 * Expands files and folders (recursively) into image files. A file named explicitly is kept whatever
 * its extension (the decoder then says what is wrong with it); inside folders only image extensions
 * count. Problems are collected, never thrown, so one bad path does not stop a batch.
 */
export async function listImageFiles(paths: string[]): Promise<ImageList> {
  const out: ImageList = { files: [], errors: [] }
  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[]
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch (err) {
      out.errors.push({ file: dir, error: `${dir}: cannot list folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` })
      return
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const e of entries) {
      const p = join(dir, e.name)
      if (e.isDirectory()) await walk(p)
      else if (isImagePath(p)) out.files.push(p) // files, and links to be resolved by the decoder
    }
  }
  for (const raw of paths) {
    const p = resolve(raw)
    let st: Stats
    try {
      st = await stat(p)
    } catch (err) {
      out.errors.push({ file: p, error: new ImageDecodeError(p, await describeFsError(p, err)).message })
      continue
    }
    if (st.isDirectory()) await walk(p)
    else out.files.push(p)
  }
  return out
}
