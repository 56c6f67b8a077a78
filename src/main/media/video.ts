// Video frames as a stream: ffmpeg decodes to raw RGB on stdout (a local socket, else a pipe) and an
// async generator hands out one frame at a time. While the consumer holds a frame the generator does not
// read, the socket fills and ffmpeg blocks, so memory stays at about one frame plus the socket buffer
// whatever the video length.
// A truncated or corrupt video yields every frame that could be decoded, then throws VideoDecodeError.
// Frames are scaled inside ffmpeg's filter graph (maxSide), so an 8192x8192 video never hands back a
// 200 MB RGB frame; ffmpeg itself runs under the time and memory bounds of ffmpeg.ts.
import { mkdtemp, rm } from 'node:fs/promises'
import { connect, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Box } from '../../shared/types'
import type { RawImage } from '../engine/types'
import { ffmpegPath, runBounded, spawnBounded, stderrReason } from './ffmpeg'
import { probeVideo, type VideoInfo } from './probe'

export interface VideoFrame {
  /** 0-based index in the decoded (sampled) sequence */
  idx: number
  /** seconds from the start */
  timeS: number
  image: RawImage
}

export interface DecodeOptions {
  /** sample rate in frames per second; 0 or absent = every frame */
  fps?: number
  /** metadata from probeVideo (probed when absent) */
  info?: VideoInfo
  signal?: AbortSignal
  /** bound on the longest side of the frames handed out (scaled by ffmpeg); default: full size */
  maxSide?: number
  /** kill ffmpeg when it produces nothing for this long while a frame is awaited (default 120 s) */
  stallMs?: number
  /** how frames leave ffmpeg: a local socket read without copies (default where available) or a pipe */
  transport?: 'socket' | 'pipe'
}

/** The output size of a width x height frame bounded to maxSide (aspect kept, never enlarged). */
export function boundedSize(width: number, height: number, maxSide?: number): { width: number; height: number } {
  if (!maxSide || Math.max(width, height) <= maxSide) return { width, height }
  const s = maxSide / Math.max(width, height)
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) }
}

export class VideoDecodeError extends Error {
  constructor(
    message: string,
    readonly framesDecoded: number
  ) {
    super(message)
    this.name = 'VideoDecodeError'
  }
}

export async function* decodeVideo(path: string, opts: DecodeOptions = {}): AsyncGenerator<VideoFrame, void, void> {
  const info = opts.info ?? (await probeVideo(path))
  const fps = opts.fps && opts.fps > 0 ? opts.fps : 0
  const { width, height } = boundedSize(info.width, info.height, opts.maxSide)
  const frameSize = width * height * 3
  const filters: string[] = []
  if (fps > 0) filters.push(`fps=${fps}`)
  if (width !== info.width || height !== info.height) filters.push(`scale=${width}:${height}:flags=area`)
  // two decoder threads: frame threading multiplies the frames held (100 MB each at 8192x8192)
  const args = ['-v', 'error', '-nostdin', '-threads', '2', '-i', path, '-an', '-sn', '-dn']
  if (filters.length) args.push('-vf', filters.join(','))
  if (fps === 0) args.push('-vsync', '0')
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1')

  // Frames are read straight into their own buffers through a local socket (socketPair): no 64 KB
  // chunk is allocated per read and none is copied, which on a pipe cost ~42 chunks of garbage per
  // 720p frame and full GCs of the main thread every few frames. Elsewhere, or if it fails, a pipe.
  let buf = Buffer.allocUnsafeSlow(frameSize)
  let filled = 0
  const done: Buffer[] = []
  let wake: (() => void) | null = null
  const pair = opts.transport === 'pipe' ? null : await socketPair({
    buffer: () => buf.subarray(filled),
    callback: (n: number) => {
      filled += n
      if (filled === frameSize) {
        done.push(buf)
        buf = Buffer.allocUnsafeSlow(frameSize)
        filled = 0
      }
      wake?.()
      return done.length === 0 // a whole frame waits for the consumer: stop reading, ffmpeg blocks
    }
  }).catch(() => null)
  const proc = spawnBounded(ffmpegPath(), args, pair ? { stdout: pair.theirs } : {})
  pair?.theirs.destroy() // the child holds its own copy
  let stderr = ''
  proc.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 16_384) stderr += d.toString()
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    proc.once('error', (error) => resolve({ code: null, signal: null, error }))
    proc.once('close', (code, signal) => resolve({ code, signal }))
  })
  const onAbort = () => proc.kill('SIGKILL')
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  // a time bound that does not punish a slow consumer: only waiting on ffmpeg counts
  const stallMs = opts.stallMs ?? 120_000
  let stalled = false
  let timer: NodeJS.Timeout | undefined
  const arm = () => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      stalled = true
      proc.kill('SIGKILL')
    }, stallMs)
  }

  const stepS = fps > 0 ? 1 / fps : 1 / (info.fps ?? 25)
  let idx = 0
  let finished = false
  try {
    arm()
    if (pair) {
      const ours = pair.ours
      let closed = false
      ours.once('close', () => {
        closed = true
        wake?.()
      })
      ours.on('error', () => undefined) // a killed ffmpeg resets the socket: the exit code tells why
      ours.resume() // flowing, so the end of the stream is noticed (no data is ever pushed: onread takes it)
      for (;;) {
        const data = done.shift()
        if (data) {
          clearTimeout(timer)
          const frame: VideoFrame = { idx, timeS: idx * stepS, image: { data, width, height, channels: 3 } }
          idx++
          yield frame
          arm()
          ours.resume() // reading stopped when the callback said false; restart it (net.Socket resumes its handle)
          continue
        }
        if (closed) break
        await new Promise<void>((res) => (wake = res))
        wake = null
      }
      finished = true
    } else
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
      clearTimeout(timer)
      let off = 0
      while (off < chunk.length) {
        const n = Math.min(frameSize - filled, chunk.length - off)
        chunk.copy(buf, filled, off, off + n)
        filled += n
        off += n
        if (filled === frameSize) {
          const frame: VideoFrame = { idx, timeS: idx * stepS, image: { data: buf, width, height, channels: 3 } }
          idx++
          buf = Buffer.allocUnsafeSlow(frameSize)
          filled = 0
          yield frame
        }
      }
      arm()
    }
    finished = true
  } finally {
    clearTimeout(timer)
    opts.signal?.removeEventListener('abort', onAbort)
    if (!finished) proc.kill('SIGKILL') // consumer stopped early (break/throw) or the read failed
    pair?.ours.destroy()
  }
  const exit = await exited
  if (opts.signal?.aborted) throw new VideoDecodeError(`${path}: decoding cancelled after ${idx} frames`, idx)
  if (exit.error) throw new VideoDecodeError(`${path}: cannot run ffmpeg (${exit.error.message})`, idx)
  if (stalled) throw new VideoDecodeError(`${path}: ffmpeg stopped producing frames for ${Math.round(stallMs / 1000)} s after ${idx} frames (killed)`, idx)
  const reason = stderrReason(stderr, path)
  const expected = fps > 0 && info.durationS ? Math.floor(info.durationS * fps) : info.frames
  const short = expected != null && idx < expected - 1
  if (exit.code !== 0 || filled > 0 || idx === 0 || (reason && short)) {
    const why = reason || (exit.code !== 0 ? `ffmpeg exited with ${exit.code ?? exit.signal}` : idx === 0 ? 'no frames' : 'incomplete last frame')
    throw new VideoDecodeError(
      idx > 0
        ? `${path}: video truncated or corrupt, decoded ${idx}${expected ? ` of ~${expected}` : ''} frames (${why})`
        : `${path}: no decodable frames (${why})`,
      idx
    )
  }
}

/**
 * Two connected local sockets: `theirs` becomes a child's stdout, `ours` reads with `onread` into the
 * buffers it is given (no allocation per read). The socket lives in a fresh 0700 folder, so no other
 * user can connect in between; null on Windows (the caller uses a pipe).
 */
async function socketPair(onread: { buffer: () => Uint8Array; callback: (n: number, b: Uint8Array) => boolean }): Promise<{ ours: Socket; theirs: Socket } | null> {
  if (process.platform === 'win32') return null
  const dir = await mkdtemp(join(tmpdir(), 'pd-frames-'))
  const path = join(dir, 's')
  const server = createServer()
  try {
    await new Promise<void>((res, rej) => {
      server.once('error', rej)
      server.listen(path, () => res())
    })
    const accepted = new Promise<Socket>((res) => server.once('connection', res))
    const ours = connect({ path, onread })
    await new Promise<void>((res, rej) => {
      ours.once('connect', res)
      ours.once('error', rej)
    })
    return { ours, theirs: await accepted }
  } finally {
    server.close() // stops listening now (its callback would wait for the connections to end)
    await rm(dir, { recursive: true, force: true }) // connected sockets outlive their file
  }
}

/** Runs at most `n` tasks at once (the others wait in order). */
class Slots {
  private active = 0
  private waiting: (() => void)[] = []
  constructor(private readonly n: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    // a finished task hands its slot straight to the next waiter, so `active` never overshoots
    if (this.active >= this.n) await new Promise<void>((res) => this.waiting.push(res))
    else this.active++
    try {
      return await task()
    } finally {
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }
}

/** Preview grabs in flight: ffmpeg holds a few decoded frames (~360 MB at 8192x8192, one thread) each
 *  however small the output, so a burst of previews of a huge video queues instead of adding up. */
const grabSlots = new Slots(2)

export interface GrabOptions {
  info?: VideoInfo
  /** a region in display pixels, cut out by ffmpeg before scaling */
  crop?: Box
  /** bound on the longest side of the result (scaled by ffmpeg, never enlarged) */
  maxSide?: number
  timeoutMs?: number
}

/** One frame at `timeS` (a seek), for previews: cropped and scaled in ffmpeg's filter graph. */
export async function grabFrame(path: string, timeS: number, o: GrabOptions | VideoInfo = {}): Promise<RawImage> {
  const opts: GrabOptions = 'codec' in o ? { info: o } : o
  const meta = opts.info ?? (await probeVideo(path))
  const t = Math.max(0, timeS)
  let w = meta.width
  let h = meta.height
  const filters: string[] = []
  if (opts.crop) {
    const c = opts.crop
    const x = Math.max(0, Math.floor(Math.min(c.x1, c.x2)))
    const y = Math.max(0, Math.floor(Math.min(c.y1, c.y2)))
    const r = Math.min(w, Math.ceil(Math.max(c.x1, c.x2)))
    const b = Math.min(h, Math.ceil(Math.max(c.y1, c.y2)))
    if (r - x < 1 || b - y < 1) throw Object.assign(new Error(`crop lies outside the ${w}x${h} frame`), { code: 'invalid-request' })
    w = r - x
    h = b - y
    filters.push(`crop=${w}:${h}:${x}:${y}:exact=1`) // exact: a 4:2:0 video would round an odd size or offset down (a short frame)
  }
  const out = boundedSize(w, h, opts.maxSide)
  if (out.width !== w || out.height !== h) filters.push(`scale=${out.width}:${out.height}:flags=area`)
  const args = ['-v', 'error', '-nostdin', '-threads', '1', '-ss', t.toFixed(3), '-i', path, '-an', '-sn', '-dn', '-frames:v', '1']
  if (filters.length) args.push('-vf', filters.join(','))
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1')
  const size = out.width * out.height * 3
  const timeoutMs = opts.timeoutMs ?? 60_000
  const r = await grabSlots.run(() => runBounded(ffmpegPath(), args, { timeoutMs, maxStdoutBytes: size }))
  if (r.error) throw new Error(`${path}: cannot run ffmpeg (${r.error.message})`)
  if (r.timedOut) throw new Error(`${path}: no frame at ${t.toFixed(2)} s (ffmpeg took longer than ${Math.round(timeoutMs / 1000)} s, killed)`)
  if (r.stdout.length < size) {
    throw new Error(`${path}: no frame at ${t.toFixed(2)} s (${stderrReason(r.stderr, path) || `ffmpeg exited with ${r.code ?? r.signal}`})`)
  }
  return { data: r.stdout.subarray(0, size), width: out.width, height: out.height, channels: 3 }
}
