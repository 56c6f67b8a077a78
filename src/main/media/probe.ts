// Video metadata through ffprobe (bundled by @ffprobe-installer), and the paths of the bundled binaries.
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'

// not named `require`: the ESM bundle (electron-vite) injects its own `require` shim into the same chunk
const requireCjs = createRequire(import.meta.url)

/** inside an Electron asar archive the binaries live in app.asar.unpacked */
function unpacked(p: string): string {
  return p.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1')
}

let ffmpegBin: string | null = null
let ffprobeBin: string | null = null

export function ffmpegPath(): string {
  if (!ffmpegBin) ffmpegBin = process.env.PLATEDESK_FFMPEG || unpacked((requireCjs('@ffmpeg-installer/ffmpeg') as { path: string }).path)
  return ffmpegBin
}

export function ffprobePath(): string {
  if (!ffprobeBin) ffprobeBin = process.env.PLATEDESK_FFPROBE || unpacked((requireCjs('@ffprobe-installer/ffprobe') as { path: string }).path)
  return ffprobeBin
}

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
 *  truncated, corrupt or non-video file. */
export function probeVideo(path: string, timeoutMs = 30_000): Promise<VideoInfo> {
  return new Promise((resolve, reject) => {
    execFile(
      ffprobePath(),
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-select_streams', 'v:0', path],
      { timeout: timeoutMs, maxBuffer: 8 << 20 },
      (err, stdout, stderr) => {
        const reason = String(stderr || '')
          .split('\n')
          .map((l) => l.replace(/^\[[^\]]*\]\s*/, '').trim())
          .filter(Boolean)
          .map((l) => (l.startsWith(path + ': ') ? l.slice(path.length + 2) : l))
        let json: ProbeJson = {}
        try {
          json = JSON.parse(String(stdout || '{}')) as ProbeJson
        } catch {
          /* handled below */
        }
        const stream = json.streams?.[0]
        if (err || !stream) {
          const why = reason.length ? [...new Set(reason)].join('; ').slice(0, 300) : err ? err.message : 'no video stream'
          reject(new Error(`${path}: not a readable video (${why})`))
          return
        }
        const tags = (stream.tags ?? {}) as Record<string, string>
        let rotation = num(tags.rotate) ?? 0
        const sideData = (stream.side_data_list ?? []) as Record<string, unknown>[]
        for (const sd of sideData) if (num(sd.rotation) != null) rotation = num(sd.rotation)!
        rotation = ((Math.round(rotation) % 360) + 360) % 360
        let width = num(stream.width) ?? 0
        let height = num(stream.height) ?? 0
        if (rotation === 90 || rotation === 270) [width, height] = [height, width]
        if (!width || !height) {
          reject(new Error(`${path}: not a readable video (no frame size)`))
          return
        }
        const fmt = json.format ?? {}
        const fmtTags = (fmt.tags ?? {}) as Record<string, string>
        const created = fmtTags.creation_time ?? tags.creation_time ?? null
        const createdDate = created ? new Date(created) : null
        resolve({
          durationS: num(stream.duration) ?? num(fmt.duration),
          fps: rate(stream.avg_frame_rate) ?? rate(stream.r_frame_rate),
          width,
          height,
          codec: String(stream.codec_name ?? 'unknown'),
          frames: num(stream.nb_frames),
          rotation,
          createdAt: createdDate && !isNaN(createdDate.getTime()) ? createdDate.toISOString() : null,
          sizeBytes: num(fmt.size)
        })
      }
    )
  })
}
