// Which ffmpeg/ffprobe binaries PlateDesk runs, and how. They parse untrusted video, so the newest
// build found wins: PLATEDESK_FFMPEG / PLATEDESK_FFPROBE, else the first of the bundled packages and
// the system's binaries (PATH) whose FFmpeg is 6 or newer, else the newest one found, reported as
// outdated. Every run is a child process with a wall-time (or stall) limit and, on Linux/macOS, an
// address-space limit, so a hostile file can hang or bloat only that child.
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { delimiter, join } from 'node:path'
import type { Readable } from 'node:stream'
import type { MediaToolInfo, MediaToolsInfo } from '../../shared/types'

// not named `require`: the ESM bundle (electron-vite) injects its own `require` shim into the same chunk
const requireCjs = createRequire(import.meta.url)

/** the FFmpeg release line considered current enough for untrusted input */
export const MIN_FFMPEG_MAJOR = 6

/** version: the first line's token ("6.1.1", "5.1.9-0+deb12u1", "N-66595-gc2b38619c0-static");
 *  major: from libavcodec's major (60 → 6) when the version is a git snapshot */
export type FfmpegBinary = MediaToolInfo

/** inside an Electron asar archive the binaries live in app.asar.unpacked */
function unpacked(p: string): string {
  return p.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1')
}

const exe = (name: string) => (process.platform === 'win32' ? `${name}.exe` : name)

function onPath(name: string): string | null {
  // apps started from the macOS Finder get a PATH without Homebrew's folders
  const extra = process.platform === 'darwin' ? ['/opt/homebrew/bin', '/usr/local/bin'] : []
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...extra]) {
    if (!dir) continue
    const p = join(dir, exe(name))
    if (existsSync(p)) return p
  }
  return null
}

/** bundled npm packages that may provide the tool (absent or broken ones are skipped) */
function bundled(tool: 'ffmpeg' | 'ffprobe'): string[] {
  const pkgs = tool === 'ffmpeg' ? ['ffmpeg-static', '@ffmpeg-installer/ffmpeg'] : ['ffprobe-static', '@ffprobe-installer/ffprobe']
  const out: string[] = []
  for (const pkg of pkgs) {
    try {
      const m = requireCjs(pkg) as string | { path?: string }
      const p = typeof m === 'string' ? m : m?.path
      if (p && existsSync(unpacked(p))) out.push(unpacked(p))
    } catch {
      /* not installed for this platform */
    }
  }
  return out
}

/** Parses `ffmpeg -version` output: the version token and the FFmpeg major release. */
export function parseVersion(text: string): { version: string; major: number | null } {
  const m = /\b(?:ffmpeg|ffprobe) version (\S+)/.exec(text)
  const version = m?.[1] ?? 'unknown'
  const rel = /^n?(\d+)\.(\d+)/.exec(version)
  if (rel) return { version, major: Number(rel[1]) }
  // git snapshots ("N-66595-g…"): libavcodec's major is 54 + FFmpeg's (58 = 4.x, 60 = 6.x, 61 = 7.x)
  const lavc = /libavcodec\s+(\d+)\./.exec(text)
  return { version, major: lavc ? Number(lavc[1]) - 54 : null }
}

function describe(tool: 'ffmpeg' | 'ffprobe', path: string, source: FfmpegBinary['source']): FfmpegBinary | null {
  const r = spawnSync(path, ['-hide_banner', '-version'], { timeout: 10_000, encoding: 'utf8', windowsHide: true })
  if (r.error || r.status !== 0) return null
  const { version, major } = parseVersion(`${r.stdout}`)
  const outdated = major == null || major < MIN_FFMPEG_MAJOR
  return {
    tool,
    path,
    source,
    version,
    major,
    outdated,
    warning: outdated
      ? `${tool} ${version} is older than FFmpeg ${MIN_FFMPEG_MAJOR} and parses untrusted video: install FFmpeg ${MIN_FFMPEG_MAJOR}+ on the PATH or set PLATEDESK_${tool.toUpperCase()}`
      : null
  }
}

const cache = new Map<string, FfmpegBinary>()

/** Resolves (once) the binary used for `tool`; throws when none can be found or run. */
export function resolveBinary(tool: 'ffmpeg' | 'ffprobe'): FfmpegBinary {
  const hit = cache.get(tool)
  if (hit) return hit
  const env = process.env[`PLATEDESK_${tool.toUpperCase()}`]
  let chosen: FfmpegBinary | null = null
  if (env) {
    // an explicit choice is honoured even when it cannot report a version
    chosen = describe(tool, env, 'env') ?? {
      tool,
      path: env,
      source: 'env',
      version: 'unknown',
      major: null,
      outdated: true,
      warning: `${env} (PLATEDESK_${tool.toUpperCase()}) did not answer -version`
    }
  } else {
    const found: FfmpegBinary[] = []
    for (const p of bundled(tool)) {
      const d = describe(tool, p, 'bundled')
      if (d) found.push(d)
    }
    const sys = onPath(tool)
    if (sys) {
      const d = describe(tool, sys, 'system')
      if (d) found.push(d)
    }
    chosen = found.find((b) => !b.outdated) ?? [...found].sort((a, b) => (b.major ?? 0) - (a.major ?? 0))[0] ?? null
  }
  if (!chosen) throw new Error(`${tool} not found: install FFmpeg ${MIN_FFMPEG_MAJOR}+ (on the PATH) or set PLATEDESK_${tool.toUpperCase()}`)
  cache.set(tool, chosen)
  return chosen
}

/** forget the resolved binaries (tests that change PLATEDESK_FFMPEG) */
export function resetResolvedBinaries(): void {
  cache.clear()
}

export function ffmpegPath(): string {
  return resolveBinary('ffmpeg').path
}

export function ffprobePath(): string {
  return resolveBinary('ffprobe').path
}

/** The binaries and versions in use, for Settings and `platedesk models`; never throws. */
export function ffmpegInfo(): MediaToolsInfo {
  const get = (t: 'ffmpeg' | 'ffprobe') => {
    try {
      return { b: resolveBinary(t), e: null }
    } catch (err) {
      return { b: null, e: (err as Error).message }
    }
  }
  const a = get('ffmpeg')
  const b = get('ffprobe')
  return { ffmpeg: a.b, ffprobe: b.b, error: a.e ?? b.e }
}

/** one line per tool for logs and the CLI: "ffmpeg 5.1.9 (system, /usr/bin/ffmpeg) OUTDATED: …" */
export function formatMediaTools(info: MediaToolsInfo): string[] {
  const line = (t: MediaToolInfo) =>
    `${t.tool} ${t.version}${/^N-/.test(t.version) && t.major != null ? ` [FFmpeg ${t.major} snapshot]` : ''} (${t.source}, ${t.path})${t.outdated ? ` OUTDATED: ${t.warning}` : ''}`
  const out: string[] = []
  if (info.ffmpeg) out.push(line(info.ffmpeg))
  if (info.ffprobe) out.push(line(info.ffprobe))
  if (info.error) out.push(info.error)
  return out
}

// ------------------------------------------------------------------ bounded child processes

/** address-space limit for ffmpeg children (MiB); PLATEDESK_FFMPEG_MEMORY_MB overrides */
export function memoryLimitMb(): number {
  const v = Number(process.env.PLATEDESK_FFMPEG_MEMORY_MB)
  return Number.isFinite(v) && v > 0 ? v : 3072
}

export interface BoundedOptions {
  /** address-space limit in MiB (default memoryLimitMb()); 0 = none */
  memoryMb?: number
  /** a connected local socket to hand the child as its stdout (the returned process's stdout is then null) */
  stdout?: import('node:net').Socket
}

/**
 * Spawns `bin args` with stdin ignored and stdout/stderr piped. On POSIX it goes through /bin/sh to
 * set `ulimit -v` first and then `exec`s, so the pid is the tool's own and a kill reaches it.
 */
export function spawnBounded(bin: string, args: string[], o: BoundedOptions = {}): ChildProcessByStdio<null, Readable, Readable> {
  const mb = o.memoryMb ?? memoryLimitMb()
  const stdio = ['ignore', o.stdout ?? 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe']
  if (process.platform === 'win32' || !mb || !existsSync('/bin/sh')) {
    return spawn(bin, args, { stdio, windowsHide: true })
  }
  const script = 'ulimit -v "$0" 2>/dev/null; exec "$@"'
  return spawn('/bin/sh', ['-c', script, String(Math.round(mb * 1024)), bin, ...args], { stdio })
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: Buffer
  stderr: string
  timedOut: boolean
  /** stdout went past maxStdoutBytes and the child was stopped */
  overflow: boolean
  error?: Error
}

/** Runs a bounded child to completion: killed after timeoutMs, or once stdout passes maxStdoutBytes. */
export function runBounded(
  bin: string,
  args: string[],
  o: BoundedOptions & { timeoutMs: number; maxStdoutBytes: number; signal?: AbortSignal }
): Promise<RunResult> {
  return new Promise((resolve) => {
    const proc = spawnBounded(bin, args, o)
    const chunks: Buffer[] = []
    let size = 0
    let stderr = ''
    let timedOut = false
    let overflow = false
    let error: Error | undefined
    const kill = () => proc.kill('SIGKILL')
    const timer = setTimeout(() => {
      timedOut = true
      kill()
    }, o.timeoutMs)
    o.signal?.addEventListener('abort', kill, { once: true })
    proc.stdout.on('data', (d: Buffer) => {
      if (overflow) return
      size += d.length
      if (size > o.maxStdoutBytes) {
        overflow = true
        kill()
      } else chunks.push(d)
    })
    proc.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 16_384) stderr += d.toString()
    })
    proc.once('error', (e) => (error = e))
    proc.once('close', (code, signal) => {
      clearTimeout(timer)
      o.signal?.removeEventListener('abort', kill)
      resolve({ code, signal, stdout: Buffer.concat(chunks), stderr, timedOut, overflow, error })
    })
  })
}

/** ffmpeg's stderr reduced to its distinct messages, without the file name ffmpeg repeats */
export function stderrReason(stderr: string, path: string, max = 4): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/^\[[^\]]*\]\s*/, '').trim())
    .filter(Boolean)
    .map((l) => (l.startsWith(path + ': ') ? l.slice(path.length + 2) : l))
  return [...new Set(lines)].slice(0, max).join('; ').slice(0, 300)
}
