// Just enough of ICC (ICC.1:2010) for the engine's decode (images.ts): an embedded sRGB profile needs no
// colour transform at all, and any other matrix/TRC RGB profile (Display P3, Adobe RGB) is converted to
// sRGB here on the working image. A profile this cannot read (LUT-based, CMYK, malformed) is left to libvips.
import { createHash } from 'node:crypto'

/** The ICC profile of a JPEG (APP2 "ICC_PROFILE" chunks, joined in order), or null when it has none. */
export function jpegIccProfile(buf: Buffer): Buffer | null {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return null
  const chunks: { seq: number; data: Buffer }[] = []
  let p = 2
  while (p + 4 <= buf.length) {
    if (buf[p] !== 0xff) return null // not a marker where one must be: leave it to the decoder
    const marker = buf[p + 1]!
    if (marker === 0xff) {
      p++ // fill byte
      continue
    }
    if (marker === 0xd9 || marker === 0xda) break // end of image / start of scan: headers are over
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      p += 2
      continue
    }
    const len = buf.readUInt16BE(p + 2)
    if (len < 2 || p + 2 + len > buf.length) return null
    if (marker === 0xe2 && len >= 16 && buf.toString('latin1', p + 4, p + 16) === 'ICC_PROFILE\0') {
      chunks.push({ seq: buf[p + 16]!, data: buf.subarray(p + 18, p + 2 + len) })
    }
    p += 2 + len
  }
  if (!chunks.length) return null
  chunks.sort((a, b) => a.seq - b.seq)
  return chunks.length === 1 ? chunks[0]!.data : Buffer.concat(chunks.map((c) => c.data))
}

/** sRGB's colorants adapted to D50 (IEC 61966-2-1 as in the ICC's sRGB profiles), columns r, g, b */
const SRGB_D50 = [
  [0.436065674, 0.385147095, 0.143066406],
  [0.222488403, 0.716873169, 0.06060791],
  [0.013916016, 0.097076416, 0.714096069]
]
/** vendors' sRGB profiles round the colorants differently; a wide-gamut profile is off by > 0.03 */
const COLORANT_TOLERANCE = 0.002

const srgbEncode = (l: number): number => (l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055)

/** An RGB profile that is a 3x3 matrix and three tone curves (sRGB, Display P3, Adobe RGB...). */
interface MatrixProfile {
  /** XYZ (D50) from linear r, g, b: rows X, Y, Z */
  matrix: number[][]
  /** device value 0..1 → linear, per channel */
  curves: ((v: number) => number)[]
}

/** ICC's profile header: an RGB display profile (not CMYK, grey...) */
const isRgbProfile = (icc: Buffer): boolean => icc.length >= 132 && icc.toString('latin1', 16, 20) === 'RGB ' && icc.toString('latin1', 36, 40) === 'acsp'

function parseMatrixProfile(icc: Buffer | null): MatrixProfile | null {
  if (!icc || !isRgbProfile(icc)) return null
  try {
    const tags = new Map<string, Buffer>()
    const count = icc.readUInt32BE(128)
    if (count > 100 || 132 + count * 12 > icc.length) return null
    for (let i = 0; i < count; i++) {
      const at = 132 + i * 12
      const off = icc.readUInt32BE(at + 4)
      const size = icc.readUInt32BE(at + 8)
      if (off + size > icc.length) return null
      tags.set(icc.toString('latin1', at, at + 4), icc.subarray(off, off + size))
    }
    // a LUT-based profile may say anything in its colorants: a colour engine would use the LUT
    if (['A2B0', 'A2B1', 'A2B2', 'B2A0'].some((t) => tags.has(t))) return null
    const columns: number[][] = []
    for (const sig of ['rXYZ', 'gXYZ', 'bXYZ']) {
      const t = tags.get(sig)
      if (!t || t.length < 20 || t.toString('latin1', 0, 4) !== 'XYZ ') return null
      columns.push([0, 1, 2].map((k) => t.readInt32BE(8 + k * 4) / 65536))
    }
    const curves = ['rTRC', 'gTRC', 'bTRC'].map((sig) => toneCurve(tags.get(sig)))
    if (curves.some((c) => !c)) return null
    return { matrix: [0, 1, 2].map((row) => columns.map((c) => c[row]!)), curves: curves as MatrixProfile['curves'] }
  } catch {
    return null // a truncated or malformed profile: left to the decoder
  }
}

/**
 * True when `icc` is an RGB display profile with sRGB's colorants and a tone curve that maps every 8-bit
 * level to within one level of where sRGB's curve puts it: converting through it to sRGB changes nothing
 * a model could see.
 */
export function isSrgbProfile(icc: Buffer | null): boolean {
  const p = parseMatrixProfile(icc)
  return !!p && isSrgb(p)
}

function isSrgb(p: MatrixProfile): boolean {
  for (let row = 0; row < 3; row++) for (let col = 0; col < 3; col++) if (Math.abs(p.matrix[row]![col]! - SRGB_D50[row]![col]!) > COLORANT_TOLERANCE) return false
  return p.curves.every((curve) => {
    for (let v = 0; v <= 255; v++) if (Math.abs(srgbEncode(Math.min(1, Math.max(0, curve(v / 255)))) * 255 - v) > 1) return false
    return true
  })
}

/** linear light → sRGB level, 16384 steps: under half a level off in the deepest shadows */
const ENCODE_STEPS = 16384

/** A conversion to sRGB: per channel, device level → linear; the matrix scaled to encode-table steps */
interface Conversion {
  lin: [Float32Array, Float32Array, Float32Array]
  m: Float64Array
}
/** conversions by the profile's SHA-1: a folder of photos from one phone carries the same profile in each */
const conversions = new Map<string, Conversion | 'identity' | null>()

/**
 * What an image with this embedded profile needs to be sRGB: 'identity' (it is sRGB), a conversion in
 * place (a matrix/TRC profile: relative colorimetric, as a colour engine converts such a profile,
 * out-of-gamut colours clipped), or null (no profile, or one this cannot read: leave it to libvips).
 */
export function toSrgb(icc: Buffer | null): 'identity' | ((rgb: Buffer) => void) | null {
  // a CMYK or grey profile (a CMYK one is ~1 MB) is libvips' without hashing or parsing it
  if (!icc || !isRgbProfile(icc)) return null
  const key = createHash('sha1').update(icc).digest('hex')
  let c = conversions.get(key)
  if (c === undefined) {
    const p = parseMatrixProfile(icc)
    c = !p ? null : isSrgb(p) ? 'identity' : conversion(p)
    if (conversions.size > 16) conversions.clear()
    conversions.set(key, c)
  }
  if (c === 'identity' || c === null) return c
  const conv = c
  return (rgb) => convertPixels(rgb, conv.lin[0], conv.lin[1], conv.lin[2], conv.m, encodeTable())
}

function conversion(p: MatrixProfile): Conversion {
  const m = multiply(invert3(SRGB_D50), p.matrix) // source linear → sRGB linear, both via XYZ (D50)
  return {
    lin: p.curves.map((c) => Float32Array.from({ length: 256 }, (_, v) => c(v / 255))) as Conversion['lin'],
    m: Float64Array.from(m.flat(), (x) => x * ENCODE_STEPS)
  }
}

const encodeTable = (): Uint8Array => (encodeTableCache ??= Uint8Array.from({ length: ENCODE_STEPS + 1 }, (_, i) => Math.round(srgbEncode(i / ENCODE_STEPS) * 255)))
let encodeTableCache: Uint8Array | null = null

/** One function for every conversion (stays optimised): 9 multiply-adds and 6 lookups a pixel. */
function convertPixels(rgb: Buffer, lr: Float32Array, lg: Float32Array, lb: Float32Array, m: Float64Array, enc: Uint8Array): void {
  const k = ENCODE_STEPS
  const m00 = m[0]!, m01 = m[1]!, m02 = m[2]!, m10 = m[3]!, m11 = m[4]!, m12 = m[5]!, m20 = m[6]!, m21 = m[7]!, m22 = m[8]!
  const n = rgb.length - 2
  for (let i = 0; i < n; i += 3) {
    const r = lr[rgb[i]!]!
    const g = lg[rgb[i + 1]!]!
    const b = lb[rgb[i + 2]!]!
    // clamp to [0, k] (out of gamut: clipped); | 0 truncates after the + 0.5
    let x = m00 * r + m01 * g + m02 * b + 0.5
    let y = m10 * r + m11 * g + m12 * b + 0.5
    let z = m20 * r + m21 * g + m22 * b + 0.5
    x = x < 0 ? 0 : x > k ? k : x
    y = y < 0 ? 0 : y > k ? k : y
    z = z < 0 ? 0 : z > k ? k : z
    rgb[i] = enc[x | 0]!
    rgb[i + 1] = enc[y | 0]!
    rgb[i + 2] = enc[z | 0]!
  }
}

function multiply(a: number[][], b: number[][]): number[][] {
  return a.map((row) => [0, 1, 2].map((j) => row[0]! * b[0]![j]! + row[1]! * b[1]![j]! + row[2]! * b[2]![j]!))
}

function invert3(m: number[][]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m as [[number, number, number], [number, number, number], [number, number, number]]
  const A = e * i - f * h
  const B = -(d * i - f * g)
  const C = d * h - e * g
  const det = a * A + b * B + c * C
  return [
    [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * h - b * g) / det, (a * e - b * d) / det]
  ]
}

/** The device → linear function of a 'curv' or 'para' tag, or null if it is neither. */
function toneCurve(t: Buffer | undefined): ((v: number) => number) | null {
  if (!t || t.length < 12) return null
  const type = t.toString('latin1', 0, 4)
  if (type === 'curv') {
    const n = t.readUInt32BE(8)
    if (t.length < 12 + n * 2) return null
    if (n === 0) return (v) => v
    if (n === 1) {
      const gamma = t.readUInt16BE(12) / 256
      return (v) => v ** gamma
    }
    const table = Array.from({ length: n }, (_, i) => t.readUInt16BE(12 + i * 2) / 65535)
    return (v) => {
      const x = v * (n - 1)
      const i = Math.min(n - 2, Math.floor(x))
      return table[i]! + (table[i + 1]! - table[i]!) * (x - i)
    }
  }
  if (type === 'para') {
    const fn = t.readUInt16BE(8)
    const nParams = [1, 3, 4, 5, 7][fn]
    if (nParams === undefined || t.length < 12 + nParams * 4) return null
    const [g, a = 1, b = 0, c = 0, d = 0, e = 0, f = 0] = Array.from({ length: nParams }, (_, i) => t.readInt32BE(12 + i * 4) / 65536)
    switch (fn) {
      case 0:
        return (v) => v ** g!
      case 1:
        return (v) => (v >= -b / a ? (a * v + b) ** g! : 0)
      case 2:
        return (v) => (v >= -b / a ? (a * v + b) ** g! + c : c)
      case 3:
        return (v) => (v >= d ? (a * v + b) ** g! : c * v)
      default:
        return (v) => (v >= d ? (a * v + b) ** g! + e : c * v + f)
    }
  }
  return null
}
