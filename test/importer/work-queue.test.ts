// The team work queue end to end: real PostgreSQL (pg-boss), real CLI processes, real engine on the
// fixture images, a SQLite library shared by the workers or (the team server) one PostgreSQL database
// holding library and queue. Every file must land in the library exactly
// once whatever happens to the workers (two at once, one killed with SIGKILL mid-job), a repeated
// enqueue must queue nothing, and a corrupt file must end failed with its cause, after its retries.
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openLibrary } from '../../src/main/db/index'
import { openWorkQueue, queueSizes } from '../../src/main/importer/work-queue'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, REPO_ROOT, fixturesDir, modelsDir, skipReason } from '../helpers/models'
import { pgMissing, stopTestCluster, testDatabase } from '../helpers/pg'

const fixtures = fixturesDir()
const skip = skipReason(!modelsDir() && MODELS_SKIP_REASON, !fixtures && FIXTURES_SKIP_REASON, pgMissing())
const CLI = join(REPO_ROOT, 'bin/platedesk.js')

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  out: string
  err: string
}

function start(args: string[]): { child: ChildProcess; done: Promise<Run>; out: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ALPR_MODELS_DIR: modelsDir()! } })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const done = new Promise<Run>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code, signal) => resolve({ code, signal, out, err }))
  })
  return { child, done, out: () => out }
}

const run = (args: string[]) => start(args).done

describe.skipIf(skip)('team work queue: enqueue-only + workers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-wq-'))
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true })
    await stopTestCluster()
  })
  const images = fixtures ? readdirSync(join(fixtures, 'images')).filter((f) => f.endsWith('.jpg')).sort() : []

  /** a folder with the first n fixture images (own copies: a path is a file's identity in the queue) */
  function folder(name: string, n: number): string {
    const d = join(dir, name)
    mkdirSync(d, { recursive: true })
    for (const f of images.slice(0, n)) copyFileSync(join(fixtures!, 'images', f), join(d, f))
    return d
  }

  /** media rows and their paths: each file exactly once */
  function libraryState(db: string) {
    const lib = openLibrary(db, { readonly: true })
    try {
      const media = lib.db.prepare('SELECT path, status FROM media ORDER BY path').all() as { path: string; status: string }[]
      const q = lib.imports.queueCounts()
      return { media, q, failures: lib.imports.queueFailures(100), stats: lib.reader.stats() }
    } finally {
      lib.close()
    }
  }

  it('enqueue-only queues each file once (a second enqueue adds nothing), worker --once imports every file once and exits 0', async () => {
    const url = await testDatabase()
    const src = folder('basic', 6)
    copyFileSync(join(fixtures!, 'clip.mp4'), join(src, 'clip.mp4'))
    const db = join(dir, 'basic.sqlite')
    const e1 = await run(['import', '--db', db, '--queue', url, '--enqueue-only', '--fps', '2', src])
    expect(e1.code, e1.err).toBe(0)
    expect(e1.out).toContain('queued 7 files of 7 found')
    const e2 = await run(['import', '--db', db, '--queue', url, '--enqueue-only', '--fps', '2', src])
    expect(e2.code, e2.err).toBe(0)
    expect(e2.out).toContain('queued 0 files of 7 found (0 already in the library, 7 already queued)')
    const boss = await openWorkQueue(url, { supervise: false })
    try {
      expect(await queueSizes(boss)).toEqual({ queued: 7, active: 0 })
    } finally {
      await boss.stop({ graceful: false })
    }

    const w = await run(['worker', '--db', db, '--queue', url, '--concurrency', '2', '--once'])
    expect(w.code, w.err).toBe(0)
    expect(w.out.split('\n').filter((l) => l.startsWith('done ')).length).toBe(7)
    const s = libraryState(db)
    expect(s.media.map((m) => m.path)).toEqual([...images.slice(0, 6).map((f) => join(src, f)), join(src, 'clip.mp4')].sort())
    expect(s.media.every((m) => m.status === 'done')).toBe(true)
    expect(s.stats.videos).toBe(1)
    expect(s.stats.plates).toBeGreaterThan(6)
    expect(s.q).toMatchObject({ batches: 1, total: 7, done: 7, failed: 0, pending: 0 })

    // now in the library: a third enqueue queues nothing, and the status says so
    const e3 = await run(['import', '--db', db, '--queue', url, '--enqueue-only', src])
    expect(e3.out).toContain('queued 0 files of 7 found (7 already in the library')
    const st = await run(['queue', 'status', '--db', db, '--queue', url, '--json'])
    expect(st.code, st.err).toBe(0)
    expect(JSON.parse(st.out)).toMatchObject({ queued: 0, active: 0, done: 7, failed: 0 })
  })

  it('two workers in parallel, reading the share where it is mounted on their machine (--map): each file exactly once, under its enqueued path', async () => {
    const url = await testDatabase()
    const src = folder('two', 10)
    const db = join(dir, 'two.sqlite')
    expect((await run(['import', '--db', db, '--queue', url, '--enqueue-only', src])).out).toContain('queued 10 files')
    // the workers' machine has the share elsewhere: without the mapping no file is reachable
    const mounted = join(dir, 'mnt', 'two')
    mkdirSync(join(dir, 'mnt'))
    renameSync(src, mounted)
    const [a, b] = await Promise.all([0, 1].map(() => run(['worker', '--db', db, '--queue', url, '--concurrency', '1', '--once', '--map', `${src}=${mounted}`])))
    expect(a.code, a.err).toBe(0)
    expect(b.code, b.err).toBe(0)
    const recognised = [...a.out.split('\n'), ...b.out.split('\n')].filter((l) => l.startsWith('done ')).map((l) => l.split(' ')[1])
    // every file recognised by exactly one of them
    expect(recognised.sort()).toEqual(images.slice(0, 10).map((f) => join(src, f)).sort())
    const s = libraryState(db)
    expect(s.media.length).toBe(10)
    expect(new Set(s.media.map((m) => m.path)).size).toBe(10)
    expect(s.q).toMatchObject({ total: 10, done: 10, failed: 0, pending: 0 })
  })

  it('one PostgreSQL database holds library and queue; a worker killed with SIGKILL mid-job loses nothing: its job expires and the next worker imports every file exactly once', async () => {
    const url = await testDatabase()
    const src = folder('kill', 8)
    // the team server's shape: --db is the server library, the queue defaults to it
    const db = url
    // short attempts so the killed worker's job comes back within seconds
    const e = await run(['import', '--db', db, '--enqueue-only', '--job-timeout', '4', '--retry-delay', '1', src])
    expect(e.out).toContain('queued 8 files')
    const victim = start(['worker', '--db', db, '--concurrency', '2'])
    const boss = await openWorkQueue(url, { supervise: false })
    try {
      // after one file is committed, wait for a job in flight, then kill -9
      for (let i = 0; i < 600; i++) {
        if (victim.out().includes('done ') && (await queueSizes(boss)).active > 0) break
        await new Promise((r) => setTimeout(r, 50))
      }
      const held = (await queueSizes(boss)).active
      victim.child.kill('SIGKILL')
      const v = await victim.done
      expect(v.signal).toBe('SIGKILL')
      expect(held, 'no job was active when the worker was killed').toBeGreaterThan(0)
      const committed = v.out.split('\n').filter((l) => l.startsWith('done ')).length
      expect(committed).toBeLessThan(8)
      // the dead worker's job is still held until it expires
      expect((await queueSizes(boss)).active).toBeGreaterThan(0)
    } finally {
      await boss.stop({ graceful: false })
    }
    const w = await run(['worker', '--db', db, '--concurrency', '2', '--once'])
    expect(w.code, w.err).toBe(0)
    const s = libraryState(db)
    expect(s.media.map((m) => m.path)).toEqual(images.slice(0, 8).map((f) => join(src, f)).sort())
    expect(s.media.every((m) => m.status === 'done')).toBe(true)
    expect(s.q).toMatchObject({ total: 8, done: 8, failed: 0, pending: 0 })
  })

  it('SIGTERM: the worker finishes its files in flight, commits and acknowledges them, exits 0 and leaves nothing held', async () => {
    const url = await testDatabase()
    const src = folder('term', 10)
    const db = join(dir, 'term.sqlite')
    expect((await run(['import', '--db', db, '--queue', url, '--enqueue-only', src])).out).toContain('queued 10 files')
    const w = start(['worker', '--db', db, '--queue', url, '--concurrency', '2'])
    for (let i = 0; i < 600 && !w.out().includes('done '); i++) await new Promise((r) => setTimeout(r, 50))
    w.child.kill('SIGTERM')
    const r = await w.done
    expect(r.code, r.err).toBe(0)
    const recognised = r.out.split('\n').filter((l) => l.startsWith('done ')).length
    expect(recognised).toBeGreaterThan(0)
    const boss = await openWorkQueue(url, { supervise: false })
    try {
      // nothing left 'active' for an expiry to bring back: every taken job was run and acknowledged
      expect(await queueSizes(boss)).toEqual({ queued: 10 - recognised, active: 0 })
    } finally {
      await boss.stop({ graceful: false })
    }
    expect(libraryState(db).q).toMatchObject({ done: recognised, pending: 0 })
  })

  it('a corrupt file fails after its retries with a clear cause in the library and the status; the others import', async () => {
    const url = await testDatabase()
    const src = folder('bad', 3)
    const bad = join(src, 'corrupt.jpg')
    writeFileSync(bad, 'this is a text file, not a photo\n')
    const db = join(dir, 'bad.sqlite')
    expect((await run(['import', '--db', db, '--queue', url, '--enqueue-only', '--retries', '1', '--retry-delay', '1', src])).out).toContain('queued 4 files')
    const w = await run(['worker', '--db', db, '--queue', url, '--concurrency', '2', '--once'])
    expect(w.code, w.err).toBe(0)
    // tried twice (first attempt and one retry), then recorded as failed
    expect(w.out.split('\n').filter((l) => /^attempt \d failed: /.test(l) && l.includes(bad)).length).toBe(2)
    expect(w.out).toMatch(new RegExp(`failed ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `))
    const s = libraryState(db)
    expect(s.media.filter((m) => m.status === 'done').length).toBe(3)
    expect(s.q).toMatchObject({ total: 4, done: 3, failed: 1, pending: 0 })
    expect(s.failures).toHaveLength(1)
    expect(s.failures[0].path).toBe(bad)
    expect(s.failures[0].error).toContain(bad)
    expect(s.failures[0].error).toContain('after 2 attempts')
    const st = await run(['queue', 'status', '--db', db, '--queue', url])
    expect(st.out).toContain('0 queued, 0 active, 3 done')
    expect(st.out).toContain('1 failed')
    expect(st.out).toContain(`failed: ${bad}`)
  })
})
