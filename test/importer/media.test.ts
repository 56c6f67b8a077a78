// media/: streamed hash, EXIF, ffprobe and the backpressured ffmpeg frame stream, on real files.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readExif } from '../../src/main/media/exif'
import { sha256File } from '../../src/main/media/hash'
import { ffmpegPath, probeVideo } from '../../src/main/media/probe'
import { decodeVideo, grabFrame, VideoDecodeError } from '../../src/main/media/video'
import { mediaKind, scanPaths } from '../../src/main/importer/scan'
import { FIXTURES_SKIP_REASON, fixturesDir, skipReason } from '../helpers/models'

const fixtures = fixturesDir()
let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'platedesk-media-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('hash, exif, scan', () => {
  it('sha256File streams the same digest as hashing the bytes', async () => {
    const p = join(dir, 'blob.bin')
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 0)
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i & 255
    writeFileSync(p, bytes)
    expect(await sha256File(p)).toBe(createHash('sha256').update(bytes).digest('hex'))
    await expect(sha256File(join(dir, 'missing.bin'))).rejects.toThrow(/missing\.bin: cannot read \(ENOENT\)/)
  })

  it('readExif finds capture time and GPS, and nothing (no throw) in a file without EXIF', async () => {
    const p = join(dir, 'exif.jpg')
    await sharp({ create: { width: 64, height: 32, channels: 3, background: '#888' } })
      .withExif({
        IFD0: { Make: 'PlateDesk test' },
        IFD2: { DateTimeOriginal: '2024:05:01 10:20:30' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '44/1 26/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '26/1 6/1 0/1' }
      } as never)
      .jpeg()
      .toFile(p)
    const e = await readExif(p)
    expect(e.capturedAt).toBe(new Date('2024-05-01T10:20:30').toISOString()) // EXIF time is local time
    expect(e.lat).toBeCloseTo(44.4333, 3)
    expect(e.lon).toBeCloseTo(26.1, 3)
    const plain = join(dir, 'plain.png')
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toFile(plain)
    expect(await readExif(plain)).toEqual({ capturedAt: null, lat: null, lon: null })
    writeFileSync(join(dir, 'junk.jpg'), 'junk')
    expect(await readExif(join(dir, 'junk.jpg'))).toEqual({ capturedAt: null, lat: null, lon: null })
  })

  it('scanPaths walks many roots recursively, keeps supported types, reports missing paths', async () => {
    const a = join(dir, 'scan', 'a', 'deep er')
    const b = join(dir, 'scan', 'b')
    mkdirSync(a, { recursive: true })
    mkdirSync(b, { recursive: true })
    mkdirSync(join(dir, 'scan', 'a', '.hidden'))
    for (const f of [join(a, 'x.JPG'), join(a, 'y.heic'), join(b, 'v.MoV'), join(b, 'n.txt'), join(dir, 'scan', 'a', '.hidden', 'h.jpg')]) writeFileSync(f, 'x')
    const r = await scanPaths([join(dir, 'scan', 'a'), b, join(b, 'v.MoV'), join(dir, 'nope'), join(b, 'n.txt')])
    expect(r.files).toEqual([
      { path: join(a, 'x.JPG'), root: join(dir, 'scan', 'a') },
      { path: join(a, 'y.heic'), root: join(dir, 'scan', 'a') },
      { path: join(b, 'v.MoV'), root: b }
    ])
    expect(r.failures.map((f) => f.error)).toEqual([`${join(dir, 'nope')}: no such file or folder`, `${join(b, 'n.txt')}: unsupported file type`])
    expect(mediaKind('a.webm')).toBe('video')
    expect(mediaKind('a.tiff')).toBe('image')
    expect(mediaKind('a.gif')).toBeNull()
  })
})

describe.skipIf(skipReason(!fixtures && FIXTURES_SKIP_REASON))('video', () => {
  const clip = () => join(fixtures!, 'clip.mp4')

  it('probes duration, fps, size and codec; names the file and cause for a non-video', async () => {
    const info = await probeVideo(clip())
    expect(info).toMatchObject({ durationS: 4, fps: 8, width: 1280, height: 720, codec: 'h264', frames: 32, rotation: 0 })
    const bad = join(dir, 'bad.mp4')
    writeFileSync(bad, Buffer.alloc(4000, 3))
    await expect(probeVideo(bad)).rejects.toThrow(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a readable video \\(.+\\)`))
  })

  it('decodes every frame or a sampled rate, as raw RGB with times', async () => {
    const all: number[] = []
    for await (const f of decodeVideo(clip())) {
      expect(f.image).toMatchObject({ width: 1280, height: 720, channels: 3 })
      expect(f.image.data.length).toBe(1280 * 720 * 3)
      all.push(f.timeS)
    }
    expect(all).toHaveLength(32)
    expect(all[9]).toBeCloseTo(9 / 8)
    const sampled: number[] = []
    for await (const f of decodeVideo(clip(), { fps: 2 })) sampled.push(f.idx)
    expect(sampled).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    // the clip repeats each frame twice: frames 0 and 1 are the same picture, frame 2 another
    const [f0, f1, f2] = await take(decodeVideo(clip()), 3)
    expect(meanAbsDiff(f0, f1)).toBeLessThan(3)
    expect(meanAbsDiff(f0, f2)).toBeGreaterThan(3)
    const g = await grabFrame(clip(), 2 / 8)
    expect(meanAbsDiff(g.data, f2)).toBeLessThan(3)
    // a crop of odd size at an odd offset (a plate's box in a 4:2:0 video) comes back whole, those pixels
    const crop = await grabFrame(clip(), 2 / 8, { crop: { x1: 527.3, y1: 599.5, x2: 710.7, y2: 651.1 } })
    expect([crop.width, crop.height]).toEqual([184, 53])
    const want = Buffer.alloc(184 * 53 * 3)
    for (let y = 0; y < 53; y++) Buffer.from(f2.buffer, f2.byteOffset, f2.byteLength).copy(want, y * 184 * 3, ((599 + y) * 1280 + 527) * 3, ((599 + y) * 1280 + 527 + 184) * 3)
    expect(meanAbsDiff(crop.data, want)).toBeLessThan(3)
  })

  it('is a stream with backpressure: a slow consumer holds ffmpeg back; breaking out stops it', async () => {
    const long = join(dir, 'long.mp4')
    // 20 s of 640x360 video = 600 frames, 415 MB as raw RGB
    const r = spawnSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=30:duration=20', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', long])
    expect(r.status, String(r.stderr)).toBe(0)
    const rss0 = process.memoryUsage().rss
    let n = 0
    const gen = decodeVideo(long)
    for await (const f of gen) {
      n++
      expect(f.image.data.length).toBe(640 * 360 * 3)
      if (n === 5) await new Promise((res) => setTimeout(res, 1500)) // ffmpeg would race ahead if unbounded
      if (n === 40) break
    }
    // had ffmpeg not been held back it would have pushed far more than 40 frames (~28 MB) into memory
    expect(process.memoryUsage().rss - rss0).toBeLessThan(200 * 1024 * 1024)
    expect(n).toBe(40)
    // and the ffmpeg process is gone
    await new Promise((res) => setTimeout(res, 200))
    expect(spawnSync('pgrep', ['-f', long]).status).toBe(1)
  })

  it('frames read through the local socket (no copy per read) equal the pipe\'s, each in its own transferable buffer', async () => {
    const digest = async (transport: 'socket' | 'pipe', o: { fps?: number; maxSide?: number }) => {
      const h = createHash('sha256')
      let n = 0
      for await (const f of decodeVideo(clip(), { ...o, transport })) {
        const d = f.image.data
        expect(d.byteOffset === 0 && d.byteLength === d.buffer.byteLength).toBe(true) // owns its memory: moves to a worker without a copy
        h.update(d).update(`${f.idx} ${f.timeS} ${f.image.width}x${f.image.height}`)
        n++
      }
      return `${n} ${h.digest('hex')}`
    }
    for (const o of [{}, { fps: 3, maxSide: 640 }]) expect(await digest('socket', o)).toBe(await digest('pipe', o))
  })

  it('a truncated video yields the frames it can, then reports the error with the count', async () => {
    const fast = join(dir, 'fast.mp4')
    expect(spawnSync(ffmpegPath(), ['-v', 'error', '-y', '-i', clip(), '-c', 'copy', '-movflags', '+faststart', fast]).status).toBe(0)
    const bytes = readFileSync(fast)
    const cut = join(dir, 'cut.mp4')
    writeFileSync(cut, bytes.subarray(0, bytes.length >> 1))
    let n = 0
    let err: unknown = null
    try {
      for await (const _f of decodeVideo(cut)) n++
    } catch (e) {
      err = e
    }
    expect(n).toBeGreaterThan(4)
    expect(n).toBeLessThan(32)
    expect(err).toBeInstanceOf(VideoDecodeError)
    expect((err as VideoDecodeError).framesDecoded).toBe(n)
    expect((err as Error).message).toContain(cut)
    expect((err as Error).message).toMatch(/truncated or corrupt/)
  })
})

async function take<T extends { image: { data: Uint8Array } }>(gen: AsyncGenerator<T>, k: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const f of gen) {
    out.push(f.image.data)
    if (out.length === k) break
  }
  return out
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0
  for (let i = 0; i < a.length; i += 97) s += Math.abs(a[i] - b[i])
  return s / Math.ceil(a.length / 97)
}
