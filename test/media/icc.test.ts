// Embedded colour profiles in the engine's decode (media/icc.ts): an sRGB one is skipped (its transform
// is an identity), a P3 / Adobe RGB one converted in JS on the working image, the rest left to libvips.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { isSrgbProfile, jpegIccProfile, toSrgb } from '../../src/main/media/icc'
import { decodeImageBuffer, previewImageFile } from '../../src/main/media/images'
import { fixturesDir } from '../helpers/models'

const fixtures = fixturesDir()
const frame = fixtures ? readFileSync(join(fixtures, 'images', readdirSync(join(fixtures, 'images')).filter((f) => f.endsWith('.jpg')).sort()[0]!)) : null

const tagged = (profile: string, input: Buffer | null = frame): Promise<Buffer> =>
  (input ? sharp(input) : sharp({ create: { width: 64, height: 32, channels: 3, background: '#3a6ea5' } })).withIccProfile(profile).jpeg({ quality: 92 }).toBuffer()

/** A matrix/TRC RGB display profile (ICC v2 layout) with the given colorants and one tone curve tag for all three channels. */
function profile(colorants: number[][], curve: Buffer): Buffer {
  const xyz = (v: number[]) => {
    const b = Buffer.alloc(20)
    b.write('XYZ ', 0, 'latin1')
    v.forEach((x, i) => b.writeInt32BE(Math.round(x * 65536), 8 + i * 4))
    return b
  }
  const tags: [string, Buffer][] = [
    ['rXYZ', xyz(colorants[0]!)],
    ['gXYZ', xyz(colorants[1]!)],
    ['bXYZ', xyz(colorants[2]!)],
    ['rTRC', curve],
    ['gTRC', curve],
    ['bTRC', curve]
  ]
  const header = Buffer.alloc(128)
  header.write('mntr', 12, 'latin1')
  header.write('RGB ', 16, 'latin1')
  header.write('XYZ ', 20, 'latin1')
  header.write('acsp', 36, 'latin1')
  const table = Buffer.alloc(4 + tags.length * 12)
  table.writeUInt32BE(tags.length, 0)
  let offset = 128 + table.length
  const bodies: Buffer[] = []
  tags.forEach(([sig, body], i) => {
    table.write(sig, 4 + i * 12, 'latin1')
    table.writeUInt32BE(offset, 8 + i * 12)
    table.writeUInt32BE(body.length, 12 + i * 12)
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)])
    bodies.push(padded)
    offset += padded.length
  })
  const out = Buffer.concat([header, table, ...bodies])
  out.writeUInt32BE(out.length, 0)
  return out
}
const curv = (values: number[]) => {
  const b = Buffer.alloc(12 + values.length * 2)
  b.write('curv', 0, 'latin1')
  b.writeUInt32BE(values.length, 8)
  values.forEach((v, i) => b.writeUInt16BE(v, 12 + i * 2))
  return b
}
const SRGB = [
  [0.4361, 0.2225, 0.0139],
  [0.3851, 0.7169, 0.0971],
  [0.1431, 0.0606, 0.7141]
]
// Display P3's colorants adapted to D50
const P3 = [
  [0.5151, 0.2412, -0.0011],
  [0.292, 0.6922, 0.0419],
  [0.1571, 0.0666, 0.7841]
]
const srgbTable = Array.from({ length: 1024 }, (_, i) => {
  const v = i / 1023
  return Math.round((v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4) * 65535)
})

describe('embedded colour profiles', () => {
  it('reads a JPEG profile as sharp does, one chunk or many, and none where there is none', async () => {
    for (const name of ['srgb', 'p3', 'cmyk']) {
      // the CMYK profile is ~1 MB: split over 15 APP2 chunks
      const jpeg = await tagged(name, null)
      expect(jpegIccProfile(jpeg)?.equals((await sharp(jpeg).metadata()).icc!), name).toBe(true)
    }
    const plain = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).jpeg().toBuffer()
    expect(jpegIccProfile(plain)).toBeNull()
    expect(jpegIccProfile(await sharp(plain).png().toBuffer())).toBeNull()
    // cut inside its profile: no profile rather than half of one
    const cut = await tagged('srgb', null)
    expect(jpegIccProfile(cut.subarray(0, 300))).toBeNull()
  })

  it('only an sRGB profile counts as sRGB: not P3, CMYK, a 2.2 gamma, a linear curve or a broken profile', async () => {
    expect(isSrgbProfile(jpegIccProfile(await tagged('srgb', null)))).toBe(true) // parametric curve
    expect(isSrgbProfile(profile(SRGB, curv(srgbTable)))).toBe(true) // a 1024-entry table of sRGB's curve
    expect(isSrgbProfile(jpegIccProfile(await tagged('p3', null)))).toBe(false)
    expect(isSrgbProfile(jpegIccProfile(await tagged('cmyk', null)))).toBe(false)
    expect(isSrgbProfile(profile(P3, curv(srgbTable)))).toBe(false)
    expect(isSrgbProfile(profile(SRGB, curv([Math.round(2.2 * 256)])))).toBe(false) // shadows 7 levels apart
    expect(isSrgbProfile(profile(SRGB, curv([])))).toBe(false) // linear light
    const good = profile(SRGB, curv(srgbTable))
    expect(isSrgbProfile(good.subarray(0, 200))).toBe(false)
    expect(isSrgbProfile(null)).toBe(false)
  })

  it('sRGB needs nothing, P3 a conversion, CMYK and LUT profiles are left to libvips', async () => {
    expect(toSrgb(jpegIccProfile(await tagged('srgb', null)))).toBe('identity')
    expect(typeof toSrgb(jpegIccProfile(await tagged('p3', null)))).toBe('function')
    expect(toSrgb(jpegIccProfile(await tagged('cmyk', null)))).toBeNull()
    expect(toSrgb(null)).toBeNull()
  })

  it.skipIf(!frame)('an sRGB-tagged frame decodes to its stored pixels; a P3 one to what libvips makes of it, within a level', async () => {
    const stored = async (jpeg: Buffer) => sharp(jpeg, { ignoreIcc: true }).raw().toBuffer()
    const srgb = await tagged('srgb')
    expect((await decodeImageBuffer(srgb, 'srgb.jpg')).data.equals(await stored(srgb))).toBe(true)
    const p3 = await tagged('p3')
    const ours = (await decodeImageBuffer(p3, 'p3.jpg')).data
    const vips = await sharp(p3).toColourspace('srgb').raw().toBuffer() // libvips' colour-managed decode
    expect(ours.equals(await stored(p3))).toBe(false)
    let max = 0
    let sum = 0
    for (let i = 0; i < vips.length; i++) {
      const d = Math.abs(ours[i]! - vips[i]!)
      max = Math.max(max, d)
      sum += d
    }
    expect(max).toBeLessThanOrEqual(1)
    expect(sum / vips.length).toBeLessThan(0.05)
  })

  it.skipIf(!frame)('a preview for the screen keeps a P3 profile for the browser to apply, drops an sRGB one, converts CMYK', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'platedesk-icc-'))
    try {
      const file = async (name: string, jpeg: Buffer) => (writeFileSync(join(dir, name), jpeg), join(dir, name))
      const p3 = await tagged('p3')
      const p3Preview = await previewImageFile(await file('p3.jpg', p3), { maxSide: 640 })
      expect((await sharp(p3Preview.data).metadata()).icc?.equals(jpegIccProfile(p3)!)).toBe(true)
      const srgbPreview = await previewImageFile(await file('srgb.jpg', await tagged('srgb')), { maxSide: 640 })
      expect((await sharp(srgbPreview.data).metadata()).icc).toBeUndefined()
      const cmyk = await sharp(frame!).withIccProfile('cmyk').jpeg().toBuffer()
      const cmykPreview = await previewImageFile(await file('cmyk.jpg', cmyk), { maxSide: 640 })
      const m = await sharp(cmykPreview.data).metadata()
      expect([m.space, m.channels, m.icc]).toEqual(['srgb', 3, undefined])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
