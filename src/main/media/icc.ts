// Just enough of ICC (ICC.1:2010) to tell whether a JPEG's embedded colour profile is sRGB: then the
// colour transform the decoder would run is an identity and can be skipped (images.ts). Any profile this
// cannot read as a plain matrix/TRC RGB profile counts as "not sRGB": it is transformed as before.

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

/** sRGB's colorants adapted to D50 (IEC 61966-2-1 as in the ICC's sRGB profiles) */
const SRGB_COLORANTS: Record<string, [number, number, number]> = {
  rXYZ: [0.4361, 0.2225, 0.0139],
  gXYZ: [0.3851, 0.7169, 0.0971],
  bXYZ: [0.1431, 0.0606, 0.7141]
}
/** vendors' sRGB profiles round the colorants differently; a wide-gamut profile is off by > 0.03 */
const COLORANT_TOLERANCE = 0.002

const srgbEncode = (l: number): number => (l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055)

/**
 * True when `icc` is an RGB display profile with sRGB's colorants and a tone curve that maps every 8-bit
 * level to within one level of where sRGB's curve puts it: converting through it to sRGB changes nothing
 * a model could see.
 */
export function isSrgbProfile(icc: Buffer | null): boolean {
  if (!icc || icc.length < 132) return false
  try {
    if (icc.toString('latin1', 16, 20) !== 'RGB ' || icc.toString('latin1', 36, 40) !== 'acsp') return false
    const tags = new Map<string, Buffer>()
    const count = icc.readUInt32BE(128)
    if (count > 100 || 132 + count * 12 > icc.length) return false
    for (let i = 0; i < count; i++) {
      const at = 132 + i * 12
      const off = icc.readUInt32BE(at + 4)
      const size = icc.readUInt32BE(at + 8)
      if (off + size > icc.length) return false
      tags.set(icc.toString('latin1', at, at + 4), icc.subarray(off, off + size))
    }
    // a LUT-based profile may say anything in its colorants: the decoder would use the LUT
    if (['A2B0', 'A2B1', 'A2B2', 'B2A0'].some((t) => tags.has(t))) return false
    for (const [sig, want] of Object.entries(SRGB_COLORANTS)) {
      const t = tags.get(sig)
      if (!t || t.length < 20 || t.toString('latin1', 0, 4) !== 'XYZ ') return false
      for (let k = 0; k < 3; k++) if (Math.abs(t.readInt32BE(8 + k * 4) / 65536 - want[k]!) > COLORANT_TOLERANCE) return false
    }
    for (const sig of ['rTRC', 'gTRC', 'bTRC']) {
      const curve = toneCurve(tags.get(sig))
      if (!curve) return false
      for (let v = 0; v <= 255; v++) {
        const level = srgbEncode(Math.min(1, Math.max(0, curve(v / 255)))) * 255
        if (Math.abs(level - v) > 1) return false
      }
    }
    return true
  } catch {
    return false // a truncated or malformed profile: let the decoder deal with it
  }
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
