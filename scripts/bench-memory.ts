// Memory benchmark for previews and decoding of oversized media: each case runs in a fresh child process
// and prints the child's peak RSS (and, for video, the peak RSS of the ffmpeg processes it started), so
// what one case allocates does not hide in another's numbers.
//
//   npm run bench:memory              all cases
//   npx tsx scripts/bench-memory.ts --case png-thumbs --json     one case (what the test runs)
//
// Cases (the ones of issue 9, item 4):
//   png-thumbs     three parallel 256-px previews (media.image) of a 16000x16000 PNG
//   png-crops      three parallel crops of the same PNG
//   png-decode     three parallel engine decodes (working size 2560) of the same PNG, as at import
//   video-thumbs   three parallel 256-px previews of an 8192x8192 video frame
//   sparse-jpg     decoding (engine path) and previewing a 1.9 GB sparse .jpg, which is refused
//   bomb-png       a PNG whose header claims 50000x50000, refused by the pixel limit
import { execFile, spawnSync } from 'node:child_process'
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { constants, deflateRawSync, deflateSync } from 'node:zlib'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const CASES = ['png-thumbs', 'png-crops', 'png-decode', 'video-thumbs', 'sparse-jpg', 'bomb-png'] as const
export type CaseName = (typeof CASES)[number]

export interface CaseResult {
  case: CaseName
  /** peak RSS of the node process that ran the case */
  maxRssMB: number
  /** the highest sum of peak RSS of its ffmpeg children alive at one time (Linux; 0 if none) */
  childrenPeakMB: number
  ms: number
  /** one line per preview: size, or the error message */
  results: string[]
}

/** a cache of generated inputs (a few MB on disk; the sparse file takes no blocks) */
export function fixtureDir(): string {
  const dir = join(tmpdir(), 'platedesk-memory-fixtures-v1')
  mkdirSync(dir, { recursive: true })
  return dir
}

const atomically = (dest: string, make: (tmp: string) => void) => {
  if (existsSync(dest)) return dest
  const tmp = `${dest}.${process.pid}.tmp${dest.slice(dest.lastIndexOf('.'))}`
  make(tmp)
  renameSync(tmp, dest)
  return dest
}

/** 16000x16000 RGB PNG, mostly one colour (~1 MB): written row by row, never held as pixels */
export function bigPng(dir = fixtureDir()): string {
  return atomically(join(dir, 'big-16000.png'), (tmp) => writePng(tmp, 16000, 16000, (y, row) => {
    row.fill(0x60)
    // a few bands so the image is not a single colour
    if (y % 1000 < 40) for (let x = 0; x < row.length; x += 3) row[x] = 0xff
  }))
}

/** a valid PNG whose header says 50000x50000 (2500 MP), with a tiny, truncated data stream */
export function bombPng(dir = fixtureDir()): string {
  return atomically(join(dir, 'bomb-50000.png'), (tmp) => {
    const ihdr = Buffer.alloc(13)
    ihdr.writeUInt32BE(50000, 0)
    ihdr.writeUInt32BE(50000, 4)
    ihdr.set([8, 2, 0, 0, 0], 8)
    writeFileSync(tmp, Buffer.concat([PNG_SIG, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(1 << 16))), chunk('IEND', Buffer.alloc(0))]))
  })
}

/** a 1.9 GB file named .jpg that is one big hole (zeros): sparse, so it costs no disk */
export function sparseJpg(dir = fixtureDir()): string {
  return atomically(join(dir, 'sparse-1.9G.jpg'), (tmp) => {
    const fd = openSync(tmp, 'w')
    ftruncateSync(fd, 1.9e9)
    closeSync(fd)
  })
}

/** 8192x8192 H.264 video, 2 frames */
export function bigVideo(ffmpeg: string, dir = fixtureDir()): string {
  return atomically(join(dir, 'big-8192.mp4'), (tmp) => {
    const r = spawnSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=8192x8192:rate=2:duration=1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', tmp], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`cannot make the 8192x8192 test video: ${r.stderr || r.error?.message}`)
  })
}

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf: Buffer): number {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}

/** writes an 8-bit RGB PNG a band of rows at a time, so not even the generator holds the pixels */
function writePng(path: string, width: number, height: number, fill: (y: number, row: Buffer) => void): void {
  const fd = openSync(path, 'w')
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 2, 0, 0, 0], 8)
  writeSync(fd, PNG_SIG)
  writeSync(fd, chunk('IHDR', ihdr))
  let adlerA = 1
  let adlerB = 0
  const row = Buffer.alloc(1 + width * 3)
  const band = 256
  for (let y0 = 0; y0 < height; y0 += band) {
    const rows: Buffer[] = []
    for (let y = y0; y < Math.min(height, y0 + band); y++) {
      row[0] = 0 // filter: none
      fill(y, row.subarray(1))
      rows.push(Buffer.from(row))
    }
    const raw = Buffer.concat(rows)
    for (let i = 0; i < raw.length; ) {
      const end = Math.min(raw.length, i + 3800)
      for (; i < end; i++) {
        adlerA += raw[i]!
        adlerB += adlerA
      }
      adlerA %= 65521
      adlerB %= 65521
    }
    const last = y0 + band >= height
    // independent raw deflate segments, each ended on a byte boundary (sync flush) and only the last
    // one final, concatenate into one valid deflate stream
    let data = deflateRawSync(raw, { level: 6, finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH })
    if (last) {
      const t = Buffer.alloc(4)
      t.writeUInt32BE(((adlerB << 16) | adlerA) >>> 0, 0)
      data = Buffer.concat([data, t])
    }
    if (y0 === 0) data = Buffer.concat([Buffer.from([0x78, 0x01]), data]) // zlib header
    writeSync(fd, chunk('IDAT', data))
  }
  writeSync(fd, chunk('IEND', Buffer.alloc(0)))
  closeSync(fd)
}

// ------------------------------------------------------------------ running one case (child side)

/** peak RSS of this process's child processes (ffmpeg), sampled from /proc while they run */
function watchChildren(): () => number {
  if (process.platform !== 'linux') return () => 0
  const hwm = new Map<number, number>()
  let peakSum = 0
  const sample = () => {
    let sum = 0
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue
      try {
        const status = readFileSync(`/proc/${name}/status`, 'utf8')
        if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== process.pid) continue
        if (!/^Name:\s+(ffmpeg|ffprobe|sh)\s*$/m.test(status)) continue // not tsx's esbuild service
        const kb = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0)
        hwm.set(Number(name), Math.max(hwm.get(Number(name)) ?? 0, kb))
        sum += hwm.get(Number(name))!
      } catch {
        /* exited meanwhile */
      }
    }
    peakSum = Math.max(peakSum, sum)
  }
  const timer = setInterval(sample, 20)
  return () => {
    clearInterval(timer)
    return peakSum / 1024
  }
}

async function runCase(name: CaseName): Promise<CaseResult> {
  const { openLibrary } = await import('../src/main/db/index')
  const { mediaImage } = await import('../src/main/services/library')
  const { decodeImageFile } = await import('../src/main/media/images')
  const { ffmpegPath } = await import('../src/main/media/probe')
  // inputs are made before the clock and the watcher start
  const input =
    name === 'png-thumbs' || name === 'png-crops' || name === 'png-decode' ? bigPng() : name === 'video-thumbs' ? bigVideo(ffmpegPath()) : name === 'sparse-jpg' ? sparseJpg() : bombPng()
  const kind = name === 'video-thumbs' ? 'video' : 'image'
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-mem-'))
  const lib = openLibrary(join(dir, 'lib.db'))
  const mediaId = Number(
    lib.db
      .prepare("INSERT INTO media (path, folder, sha256, kind, size, width, height, fps, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'done')")
      .run(input, dirname(input), `sha-${name}`, kind, statSync(input).size, null, null, kind === 'video' ? 2 : null).lastInsertRowid
  )
  const stop = watchChildren()
  const t0 = performance.now()
  const crops = [
    { x1: 100, y1: 100, x2: 400, y2: 180 },
    { x1: 8000, y1: 8000, x2: 8300, y2: 8080 },
    { x1: 15500, y1: 15800, x2: 15800, y2: 15880 }
  ]
  const one = async (i: number): Promise<string> => {
    try {
      if ((name === 'sparse-jpg' && i === 0) || name === 'png-decode') {
        const d = await decodeImageFile(input)
        return `${d.width}x${d.height} of ${d.origWidth}x${d.origHeight}`
      }
      const r = await mediaImage(lib, mediaId, 0, name === 'png-crops' ? crops[i] : undefined, 256)
      return `${r.width}x${r.height}`
    } catch (err) {
      return `error: ${(err as Error).message}`
    }
  }
  const results = await Promise.all([0, 1, 2].map(one))
  const ms = performance.now() - t0
  const childrenPeakMB = stop()
  lib.close()
  rmSync(dir, { recursive: true, force: true })
  return { case: name, maxRssMB: process.resourceUsage().maxRSS / 1024, childrenPeakMB, ms, results }
}

/** runs a case in a fresh node process (tsx) and returns what it measured */
export async function runCaseInChild(name: CaseName, timeoutMs = 300_000): Promise<CaseResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(root, 'scripts/bench-memory.ts'), '--case', name, '--json'], {
    cwd: root,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 1 << 20
  })
  return JSON.parse(stdout.trim().split('\n').pop()!) as CaseResult
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  const args = process.argv.slice(2)
  const i = args.indexOf('--case')
  if (i >= 0) {
    const r = await runCase(args[i + 1] as CaseName)
    process.stdout.write(JSON.stringify(r) + '\n')
  } else {
    console.log('peak RSS per case (each in a fresh process; children = its ffmpeg processes):')
    for (const c of CASES) {
      const r = await runCaseInChild(c)
      const total = r.maxRssMB + r.childrenPeakMB
      console.log(
        `${c.padEnd(13)} node ${r.maxRssMB.toFixed(0).padStart(5)} MB  children ${r.childrenPeakMB.toFixed(0).padStart(5)} MB  total ${total.toFixed(0).padStart(5)} MB  ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${total < 1024 ? 'OK' : 'OVER 1 GB'}  ${r.results[0]}`
      )
    }
  }
}
