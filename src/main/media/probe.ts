// Video metadata through ffprobe (the binary resolved in ffmpeg.ts), in a bounded child process.
import { ffprobePath, runBounded, stderrReason } from './ffmpeg'

export { ffmpegPath, ffprobePath } from './ffmpeg'

export interface VideoInfo {
  /** seconds */
  durationS: number | null
  /** average frame rate of the video stream */
  fps: number | null
  /** display size (rotation applied, as ffmpeg's autorotate outputs it) */
  width: number
  height: number
  codec: string
  /** frame count when the container says it */
  frames: number | null
  /** degrees, from the stream's rotation metadata */
  rotation: number
  /** creation_time tag, ISO */
  createdAt: string | null
  sizeBytes: number | null
}

function rate(s: unknown): number | null {
  if (typeof s !== 'string') return null
  const [n, d] = s.split('/').map(Number)
  const v = d ? n / d : n
  return Number.isFinite(v) && v > 0 ? v : null
}

function num(s: unknown): number | null {
  const v = typeof s === 'number' ? s : typeof s === 'string' ? Number(s) : NaN
  return Number.isFinite(v) ? v : null
}

interface ProbeJson {
  streams?: Record<string, unknown>[]
  format?: Record<string, unknown>
}

/** Reads a video's metadata. Rejects with an Error naming the file and ffprobe's reason for a
 *  truncated, corrupt or non-video file. ffprobe reads headers only; it is killed after timeoutMs. */
export async function probeVideo(path: string, timeoutMs = 30_000): Promise<VideoInfo> {
  const r = await runBounded(
    ffprobePath(),
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-select_streams', 'v:0', path],
    { timeoutMs, maxStdoutBytes: 8 << 20 }
  )
  let json: ProbeJson = {}
  try {
    json = JSON.parse(r.stdout.toString() || '{}') as ProbeJson
  } catch {
    /* handled below */
  }
  const stream = json.streams?.[0]
  if (r.error || r.timedOut || r.code !== 0 || !stream) {
    const why = r.timedOut
      ? `ffprobe took longer than ${Math.round(timeoutMs / 1000)} s`
      : stderrReason(r.stderr, path, 20) || (r.error ? r.error.message : r.code !== 0 ? `ffprobe exited with ${r.code ?? r.signal}` : 'no video stream')
    throw new Error(`${path}: not a readable video (${why})`)
  }
  const tags = (stream.tags ?? {}) as Record<string, string>
  let rotation = num(tags.rotate) ?? 0
  const sideData = (stream.side_data_list ?? []) as Record<string, unknown>[]
  for (const sd of sideData) if (num(sd.rotation) != null) rotation = num(sd.rotation)!
  rotation = ((Math.round(rotation) % 360) + 360) % 360
  let width = num(stream.width) ?? 0
  let height = num(stream.height) ?? 0
  if (rotation === 90 || rotation === 270) [width, height] = [height, width]
  if (!width || !height) throw new Error(`${path}: not a readable video (no frame size)`)
  const fmt = json.format ?? {}
  const fmtTags = (fmt.tags ?? {}) as Record<string, string>
  const created = fmtTags.creation_time ?? tags.creation_time ?? null
  const createdDate = created ? new Date(created) : null
  return {
    durationS: num(stream.duration) ?? num(fmt.duration),
    fps: rate(stream.avg_frame_rate) ?? rate(stream.r_frame_rate),
    width,
    height,
    codec: String(stream.codec_name ?? 'unknown'),
    frames: num(stream.nb_frames),
    rotation,
    createdAt: createdDate && !isNaN(createdDate.getTime()) ? createdDate.toISOString() : null,
    sizeBytes: num(fmt.size)
  }
}
