// Issue 9, item 11: the ffmpeg/ffprobe that parse untrusted video are the newest builds available (never
// the 2018 N-47683 build bundled by @ffmpeg-installer when anything newer exists), their version is shown
// by `platedesk models` and app.info (Settings), and every run is a child with a time and memory bound.
import { spawnSync } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ffmpegPath, ffprobePath, probeVideo } from '../../src/main/media/probe'
import { MIN_FFMPEG_MAJOR, parseVersion, resetResolvedBinaries, resolveBinary, runBounded } from '../../src/main/media/ffmpeg'
import { decodeVideo } from '../../src/main/media/video'
import { createBackend } from '../../src/main/services/app'
import { REPO_ROOT } from '../helpers/models'

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const versionOf = (bin: string) => parseVersion(execFileSync(bin, ['-hide_banner', '-version'], { encoding: 'utf8' }))

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'platedesk-ffmpeg-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('ffmpeg resolution', () => {
  it('parses release and snapshot versions (snapshots by libavcodec major)', () => {
    expect(parseVersion('ffmpeg version 6.1.1-static https://x\nlibavcodec     60. 31.102 / 60. 31.102')).toEqual({ version: '6.1.1-static', major: 6 })
    expect(parseVersion('ffmpeg version 5.1.9-0+deb12u1 Copyright\nlibavcodec     59. 37.100')).toEqual({ version: '5.1.9-0+deb12u1', major: 5 })
    expect(parseVersion('ffprobe version N-66595-gc2b38619c0-static\nlibavcodec     60. 22.100 / 60. 22.100')).toMatchObject({ major: 6 })
    expect(parseVersion('ffmpeg version N-47683-g0e8eb07980-static\nlibavcodec     58. 40.100')).toMatchObject({ major: 4 })
    expect(parseVersion('ffmpeg version n7.0.2\n')).toMatchObject({ major: 7 })
  })

  it('the ffmpeg and ffprobe in use are not the 2018 build, and are the newest found', () => {
    for (const [bin, tool] of [
      [ffmpegPath(), 'ffmpeg'],
      [ffprobePath(), 'ffprobe']
    ] as const) {
      const v = versionOf(bin)
      expect(v.version).not.toMatch(/^N-47683/)
      expect(v.major).toBeGreaterThanOrEqual(5)
      const chosen = resolveBinary(tool)
      expect(chosen.path).toBe(bin)
      // the flag says honestly whether it is below the current release line
      expect(chosen.outdated).toBe((v.major ?? 0) < MIN_FFMPEG_MAJOR)
      if (chosen.outdated) expect(chosen.warning).toMatch(new RegExp(`older than FFmpeg ${MIN_FFMPEG_MAJOR}`))
      // a system ffmpeg on the PATH that is at least as new is never passed over for a bundled one
      const sys = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim()
      if (sys) expect(chosen.major ?? 0).toBeGreaterThanOrEqual(versionOf(sys).major ?? 0)
    }
  })

  it('PLATEDESK_FFMPEG wins and is reported as the source', () => {
    const sys = spawnSync('sh', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).stdout.trim()
    const bin = sys || ffmpegPath()
    process.env.PLATEDESK_FFMPEG = bin
    resetResolvedBinaries()
    try {
      const b = resolveBinary('ffmpeg')
      expect(b).toMatchObject({ source: 'env', path: bin })
      expect(b.version).not.toBe('unknown')
    } finally {
      delete process.env.PLATEDESK_FFMPEG
      resetResolvedBinaries()
    }
  })

  it('`platedesk models` and app.info show the ffmpeg and ffprobe versions', async () => {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), 'models'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 })
    const ff = resolveBinary('ffmpeg')
    const fp = resolveBinary('ffprobe')
    expect(r.stdout).toMatch(new RegExp(`^ffmpeg ${esc(ff.version)}.* \\(${ff.source}, ${esc(ff.path)}\\)`, 'm'))
    expect(r.stdout).toMatch(new RegExp(`^ffprobe ${esc(fp.version)}.* \\(${fp.source}, ${esc(fp.path)}\\)`, 'm'))
    if (ff.outdated) expect(r.stdout).toMatch(/ffmpeg .* OUTDATED: /)
    const backend = await createBackend({ dbPath: join(dir, 'lib.db'), mode: 'web', user: 'tester' })
    try {
      const info = await backend.call('app.info', {})
      expect(info.ffmpeg?.ffmpeg).toMatchObject({ version: ff.version, path: ff.path, outdated: ff.outdated })
      expect(info.ffmpeg?.ffprobe).toMatchObject({ version: fp.version, path: fp.path })
    } finally {
      await backend.close()
    }
  }, 150_000)
})

describe('bounded ffmpeg children', () => {
  it('a run past its time limit is killed', async () => {
    // an endless synthetic source: only the timeout stops it
    const t0 = Date.now()
    const r = await runBounded(ffmpegPath(), ['-v', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=5', '-f', 'null', '-'], {
      timeoutMs: 1500,
      maxStdoutBytes: 1 << 20
    })
    expect(r.timedOut).toBe(true)
    expect(r.signal).toBe('SIGKILL')
    expect(Date.now() - t0).toBeLessThan(30_000)
  })

  it.runIf(process.platform !== 'win32')('a run past its memory limit fails instead of growing', async () => {
    // one 8192x8192 RGB frame needs 200 MB: allowed with the default limit, refused under 128 MB
    const args = ['-v', 'error', '-nostdin', '-f', 'lavfi', '-i', 'color=c=red:size=8192x8192:duration=0.04', '-frames:v', '1', '-pix_fmt', 'rgb24', '-f', 'rawvideo', '-']
    const small = await runBounded(ffmpegPath(), args, { timeoutMs: 60_000, maxStdoutBytes: 300 << 20, memoryMb: 128 })
    expect(small.code).not.toBe(0)
    expect(small.stdout.length).toBeLessThan(8192 * 8192 * 3)
    const ok = await runBounded(ffmpegPath(), args, { timeoutMs: 60_000, maxStdoutBytes: 300 << 20 })
    expect(ok.code).toBe(0)
    expect(ok.stdout.length).toBe(8192 * 8192 * 3)
  }, 120_000)

  it('a decode that stops producing frames is killed after the stall limit, naming the file', async () => {
    const fifo = join(dir, 'stalled.mp4')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    const info = { durationS: 10, fps: 25, width: 64, height: 64, codec: 'h264', frames: 250, rotation: 0, createdAt: null, sizeBytes: null }
    const frames: number[] = []
    const run = async () => {
      for await (const f of decodeVideo(fifo, { info, stallMs: 1500 })) frames.push(f.idx)
    }
    await expect(run()).rejects.toThrow(`${fifo}: ffmpeg stopped producing frames for 2 s after 0 frames (killed)`)
    expect(frames).toEqual([])
  }, 30_000)

  it('probing a file that never delivers data gives up after the timeout, naming the file', async () => {
    const fifo = join(dir, 'stuck.mp4')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    await expect(probeVideo(fifo, 1500)).rejects.toThrow(`${fifo}: not a readable video (ffprobe took longer than 2 s)`)
  }, 30_000)
})
