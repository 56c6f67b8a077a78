import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeBmp, decodeImageFile, encodeBmp24, ImageDecodeError, listImageFiles } from '../../src/main/media/images'
import { makeBadFiles, type BadFiles } from '../helpers/badfiles'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pd-img-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** 60x40 image: left half red, right half blue, so orientation is checkable from pixels. */
async function halves(w = 60, h = 40): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * 3)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3
      if (x < w / 2) raw[o] = 220
      else raw[o + 2] = 220
    }
  return raw
}
const px = (img: { data: Buffer; width: number }, x: number, y: number) => [...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)]

describe('decodeImageFile: formats → 8-bit RGB', () => {
  it('applies EXIF orientation 6 (rotate 90° clockwise)', async () => {
    const f = join(dir, 'o6.jpg')
    await sharp(await halves(), { raw: { width: 60, height: 40, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(f)
    expect((await sharp(f).metadata()).orientation).toBe(6)
    const img = await decodeImageFile(f)
    expect([img.width, img.height, img.origWidth, img.origHeight]).toEqual([40, 60, 40, 60])
    // the red left half ends up on top after a 90° clockwise turn
    expect(px(img, 20, 5)[0]).toBeGreaterThan(150)
    expect(px(img, 20, 55)[2]).toBeGreaterThan(150)
  })

  it('PNG with alpha, 16-bit PNG, greyscale, WebP, TIFF and BMP all give 3-channel 8-bit pixels', async () => {
    const rgb = await halves()
    const raw = { raw: { width: 60, height: 40, channels: 3 as const } }
    const files: Record<string, string> = {}
    files.rgba = join(dir, 'rgba.png')
    await sharp(rgb, raw).ensureAlpha(0.5).png().toFile(files.rgba)
    files.png16 = join(dir, 'sixteen.png')
    await sharp(rgb, raw).toColourspace('rgb16').png().toFile(files.png16)
    files.grey = join(dir, 'grey.png')
    await sharp(rgb, raw).toColourspace('b-w').png().toFile(files.grey)
    files.webp = join(dir, 'x.webp')
    await sharp(rgb, raw).webp({ lossless: true }).toFile(files.webp)
    files.tiff = join(dir, 'x.tif')
    await sharp(rgb, raw).tiff().toFile(files.tiff)
    files.bmp = join(dir, 'x.bmp')
    writeFileSync(files.bmp, encodeBmp24(rgb, 60, 40))
    expect((await sharp(files.png16).metadata()).depth).toBe('ushort')
    expect((await sharp(files.grey).metadata()).channels).toBe(1)
    expect((await sharp(files.rgba).metadata()).channels).toBe(4)
    for (const [kind, f] of Object.entries(files)) {
      const img = await decodeImageFile(f)
      expect([kind, img.width, img.height, img.data.length]).toEqual([kind, 60, 40, 60 * 40 * 3])
      if (kind !== 'grey') {
        expect(px(img, 5, 5)[0], kind).toBeGreaterThan(kind === 'rgba' ? 200 : 150) // rgba: flattened on white
        expect(px(img, 55, 5)[2], kind).toBeGreaterThan(150)
      } else {
        const [r, g, b] = px(img, 5, 5)
        expect(r).toBe(g)
        expect(g).toBe(b)
      }
    }
  })

  it('decodes 32-bit and top-down BMPs and rejects compressed ones clearly', () => {
    const w = 3
    const h = 2
    const rowSize = w * 4
    const buf = Buffer.alloc(54 + rowSize * h)
    buf.write('BM', 0, 'latin1')
    buf.writeUInt32LE(54, 10)
    buf.writeUInt32LE(40, 14)
    buf.writeInt32LE(w, 18)
    buf.writeInt32LE(-h, 22) // top-down
    buf.writeUInt16LE(32, 28)
    buf[54] = 10 // B
    buf[55] = 20 // G
    buf[56] = 30 // R of pixel (0,0)
    const bmp = decodeBmp(buf)
    expect([bmp.width, bmp.height, bmp.channels]).toEqual([3, 2, 3])
    expect([...bmp.data.subarray(0, 3)]).toEqual([30, 20, 10])
    buf.writeUInt32LE(1, 30) // RLE8
    expect(() => decodeBmp(buf, 'rle.bmp')).toThrow(/rle\.bmp: unsupported or corrupt BMP: compression 1/)
  })

  it('decodes a 50 MP JPEG to a bounded working size without blowing memory', async () => {
    const f = join(dir, 'huge.jpg')
    // a gradient compresses well, so the file is small but the raster is 8660x5774 (50 MP, 150 MB as RGB)
    await sharp({ create: { width: 8660, height: 5774, channels: 3, background: '#6a8' } })
      .composite([{ input: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="200"><rect width="800" height="200" fill="#fff"/></svg>'), left: 4000, top: 3000 }])
      .jpeg({ quality: 70 })
      .toFile(f)
    global.gc?.()
    const before = process.memoryUsage().rss
    const img = await decodeImageFile(f)
    const grown = process.memoryUsage().rss - before
    expect([img.origWidth, img.origHeight]).toEqual([8660, 5774])
    expect(Math.max(img.width, img.height)).toBeLessThanOrEqual(2560)
    expect(img.scale).toBeCloseTo(img.width / 8660, 5)
    expect(grown).toBeLessThan(1.5e9)
    // the white rectangle maps back to where it was drawn
    const cx = Math.round((4400 * img.scale))
    const cy = Math.round((3100 * img.scale))
    expect(Math.min(...px(img, cx, cy))).toBeGreaterThan(230)
  })
})

describe('decodeImageFile: bad inputs are clear errors naming the file', () => {
  let bad: BadFiles
  beforeAll(async () => {
    const jpeg = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#357' } })
      .composite([{ input: await halves(), raw: { width: 60, height: 40, channels: 3 }, left: 10, top: 10 }])
      .jpeg()
      .toBuffer()
    bad = makeBadFiles(join(dir, 'bad'), jpeg)
  })

  const cases: [keyof BadFiles, RegExp][] = [
    ['empty', /empty file \(0 bytes\)/],
    ['text', /not an image: the file contains text/],
    ['truncated', /truncated or corrupt image data/],
    ['dangling', /broken symbolic link/],
    ['dirNamedJpg', /is a directory/]
  ]
  for (const [kind, re] of cases) {
    it(kind, async () => {
      const err = await decodeImageFile(bad[kind]).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ImageDecodeError)
      expect((err as Error).message.startsWith(bad[kind] + ': ')).toBe(true)
      expect((err as Error).message).toMatch(re)
    })
  }

  it('an iPhone HEIC photo says what it is and how to get a JPEG instead', async () => {
    // the HEIF header of an iPhone photo (brand heic); sharp's libvips decodes AVIF only, not HEVC
    const f = join(dir, 'IMG_0001.HEIC')
    writeFileSync(f, Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'), Buffer.alloc(4000, 7)]))
    await expect(decodeImageFile(f)).rejects.toThrow(/IMG_0001\.HEIC: HEIC photo .*Most Compatible/)
  })

  it('a missing file says so', async () => {
    await expect(decodeImageFile(join(dir, 'nope.jpg'))).rejects.toThrow(/nope\.jpg: file not found/)
  })

  // root ignores file permissions (tests and CI run as root), so chmod 000 denies nothing there
  it.skipIf(process.getuid?.() === 0)('an unreadable file and folder (chmod 000) are reported, not thrown', async () => {
    const f = join(dir, 'locked.jpg')
    writeFileSync(f, 'x')
    chmodSync(f, 0)
    await expect(decodeImageFile(f)).rejects.toThrow(/permission denied/)
    const d = join(dir, 'locked-dir')
    mkdirSync(d)
    chmodSync(d, 0)
    const list = await listImageFiles([d])
    expect(list.errors[0]!.error).toMatch(/cannot list folder \(EACCES\)/)
    chmodSync(d, 0o755)
  })
})

describe('listImageFiles', () => {
  it('walks folders recursively in a stable order, keeps explicit files, reports missing paths', async () => {
    const root = join(dir, 'tree')
    mkdirSync(join(root, 'b', 'deep'), { recursive: true })
    for (const p of ['a.jpg', 'b/z.PNG', 'b/deep/y.webp', 'b/readme.txt', 'c.bmp']) writeFileSync(join(root, p), 'x')
    const list = await listImageFiles([root, join(root, 'b', 'readme.txt'), join(root, 'missing')])
    expect(list.files.map((f) => f.slice(root.length + 1))).toEqual(['a.jpg', 'b/deep/y.webp', 'b/z.PNG', 'c.bmp', 'b/readme.txt'])
    expect(list.errors).toHaveLength(1)
    expect(list.errors[0]!.error).toMatch(/missing: file not found/)
  })
})
