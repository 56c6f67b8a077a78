// Video frames as a stream: ffmpeg decodes to raw RGB on stdout and an async generator hands out one
// frame at a time. While the consumer holds a frame the generator does not read stdout, the pipe fills
// and ffmpeg blocks, so memory stays at about one frame plus the pipe buffer whatever the video length.
// A truncated or corrupt video yields every frame that could be decoded, then throws VideoDecodeError.
import { spawn } from 'node:child_process'
import type { RawImage } from '../engine/types'
import { ffmpegPath, probeVideo, type VideoInfo } from './probe'

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

function stderrReason(stderr: string, path: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/^\[[^\]]*\]\s*/, '').trim())
    .filter(Boolean)
    .map((l) => (l.startsWith(path + ': ') ? l.slice(path.length + 2) : l))
  return [...new Set(lines)].slice(0, 4).join('; ').slice(0, 300)
}

export async function* decodeVideo(path: string, opts: DecodeOptions = {}): AsyncGenerator<VideoFrame, void, void> {
  const info = opts.info ?? (await probeVideo(path))
  const fps = opts.fps && opts.fps > 0 ? opts.fps : 0
  const { width, height } = info
  const frameSize = width * height * 3
  const args = ['-v', 'error', '-nostdin', '-i', path, '-an', '-sn', '-dn']
  if (fps > 0) args.push('-vf', `fps=${fps}`)
  else args.push('-vsync', '0')
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1')

  const proc = spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] })
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

  const stepS = fps > 0 ? 1 / fps : 1 / (info.fps ?? 25)
  let idx = 0
  let buf = Buffer.allocUnsafeSlow(frameSize)
  let filled = 0
  let finished = false
  try {
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
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
    }
    finished = true
  } finally {
    opts.signal?.removeEventListener('abort', onAbort)
    if (!finished) proc.kill('SIGKILL') // consumer stopped early (break/throw) or the read failed
  }
  const exit = await exited
  if (opts.signal?.aborted) throw new VideoDecodeError(`${path}: decoding cancelled after ${idx} frames`, idx)
  if (exit.error) throw new VideoDecodeError(`${path}: cannot run ffmpeg (${exit.error.message})`, idx)
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

/** One frame at `timeS` (a seek), for previews. */
export async function grabFrame(path: string, timeS: number, info?: VideoInfo): Promise<RawImage> {
  const meta = info ?? (await probeVideo(path))
  const t = Math.max(0, timeS)
  const args = ['-v', 'error', '-nostdin', '-ss', t.toFixed(3), '-i', path, '-an', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']
  const proc = spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const chunks: Buffer[] = []
  let stderr = ''
  proc.stdout.on('data', (d: Buffer) => chunks.push(d))
  proc.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 8192) stderr += d.toString()
  })
  const code = await new Promise<number | null>((resolve, reject) => {
    proc.once('error', reject)
    proc.once('close', resolve)
  })
  const data = Buffer.concat(chunks)
  const size = meta.width * meta.height * 3
  if (data.length < size) {
    throw new Error(`${path}: no frame at ${t.toFixed(2)} s (${stderrReason(stderr, path) || `ffmpeg exited with ${code}`})`)
  }
  return { data: data.subarray(0, size), width: meta.width, height: meta.height, channels: 3 }
}
