// Team work-queue benchmark (issue 13): the same N distinct images are queued (`import --enqueue-only`)
// into a fresh library and recognised by 1, 2 and 4 `platedesk worker` processes (one engine
// thread each) on a private PostgreSQL cluster. Each worker runs in its own network namespace
// (`unshare --net`: no network but its own loopback) and reaches PostgreSQL over the cluster's UNIX
// socket; where unshare is refused the workers run as plain processes and the reason is printed.
// Printed per run: files/s from the first worker start to the last exit (engine start-up included) and
// in steady state (first to last committed file), the engine's own rate on the same files for
// reference, the load average and each worker's peak RSS. Then a kill -9 run: two workers, one killed
// mid-job; the survivor (--once) must leave every file in the library exactly once.
// The library lives in the queue's PostgreSQL database, as on a team server (`worker --db postgres://…`);
// --sqlite-library keeps it in a library file beside the queue instead (a single-user library's shape).
//
//   npm run bench:workers -- [N=120] [--runs 1,2,4] [--sqlite-library]
//
// On shared CI cores the figures are noisy; compare them with the engine-only line printed beside them.
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { openLibrary } from '../src/main/db/index'
import { createEngine } from '../src/main/engine/index'
import { openWorkQueue, queueSizes } from '../src/main/importer/work-queue'
import { startPgCluster } from '../test/helpers/pg'
import { feed, load } from './bench-lib'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const flag = (name: string) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const n = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--runs') ?? 120)
const sqliteLibrary = args.includes('--sqlite-library')
const counts = (flag('--runs') ?? '1,2,4').split(',').map(Number)
const fixtures = join(root, '..', 'shared', 'fixtures', 'romania-dashcam', 'images')
if (!process.env.ALPR_MODELS_DIR) process.env.ALPR_MODELS_DIR = join(root, '..', 'shared', 'models')
const CLI = join(root, 'bin', 'platedesk.js')

/** N distinct JPEGs (cropped, re-encoded fixture frames: every hash differs) */
async function generate(dir: string): Promise<string[]> {
  const sources = readdirSync(fixtures).filter((f) => f.endsWith('.jpg')).sort()
  mkdirSync(dir, { recursive: true })
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const v = Math.floor(i / sources.length)
    const file = join(dir, `img-${String(i).padStart(5, '0')}.jpg`)
    await sharp(join(fixtures, sources[i % sources.length]))
      .extract({ left: (v * 7) % 48, top: (v * 5) % 27, width: 1280 - 48, height: 720 - 27 })
      .jpeg({ quality: 70 + (v % 28) })
      .toFile(file)
    out.push(file)
  }
  return out
}

/** whether worker processes can get their own network namespace here, else why not */
function netnsRefusal(): string | null {
  if (process.platform !== 'linux') return 'not Linux'
  const r = spawnSync('unshare', ['--net', 'true'], { encoding: 'utf8' })
  if (r.error) return `unshare not available (${r.error.message})`
  return r.status === 0 ? null : `unshare --net refused (${(r.stderr || '').trim() || `exit ${r.status}`}; needs root or user namespaces)`
}

interface Worker {
  pid: number
  done: Promise<{ code: number | null; signal: string | null; out: string; err: string }>
  kill: (sig: NodeJS.Signals) => void
  /** ms timestamps of each committed file */
  commits: number[]
}

function startWorker(db: string, queue: string, netns: boolean, extra: string[] = []): Worker {
  const argv = [CLI, 'worker', '--db', db, '--queue', queue, '--concurrency', '1', ...extra]
  const child = netns ? spawn('unshare', ['--net', process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  const commits: number[] = []
  child.stdout.on('data', (d: Buffer) => {
    const s = d.toString()
    out += s
    for (const l of s.split('\n')) if (l.startsWith('done ')) commits.push(Date.now())
  })
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((res, rej) => {
    child.once('error', rej)
    child.once('exit', (code, signal) => res({ code, signal, out, err }))
  })
  return { pid: child.pid!, done, kill: (sig) => child.kill(sig), commits }
}

function enqueue(db: string, queue: string, dir: string, extra: string[] = []): void {
  const r = spawnSync(process.execPath, [CLI, 'import', '--db', db, '--queue', queue, '--enqueue-only', ...extra, dir], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`enqueue failed: ${r.stderr}`)
}

const peakRss = (out: string) => /peak rss (\d+) MB/.exec(out)?.[1] ?? '?'

/** media rows, distinct paths, files committed per the library's batches (db: a file or a postgres URL) */
function check(db: string): { media: number; distinct: number; done: number; failed: number; pending: number } {
  const lib = openLibrary(db, { readonly: true })
  try {
    const m = lib.db.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT path) AS d FROM media').get() as { n: number; d: number }
    const q = lib.imports.queueCounts()
    return { media: m.n, distinct: m.d, done: q.done, failed: q.failed, pending: q.pending }
  } finally {
    lib.close()
  }
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'platedesk-bench-workers-'))
  const cluster = await startPgCluster({ durable: true })
  try {
    const files = await generate(join(tmp, 'media'))
    const refusal = netnsRefusal()
    const netns = refusal == null
    console.log(`${n} distinct images; ${availableParallelism()} CPU cores; load ${load()}`)
    console.log(sqliteLibrary ? 'library: a SQLite file per run, queue in PostgreSQL' : 'library and queue in one PostgreSQL database per run (a team server\'s shape)')
    console.log(netns ? 'workers: each in its own network namespace (unshare --net), PostgreSQL over its UNIX socket' : `workers: plain processes on loopback TCP (no network namespaces: ${refusal})`)
    // the socket URL: the host is the cluster's folder (URL-encoded), the port names the socket file
    const urlOf = async (db: string) => {
      await cluster.createDatabase(db)
      return netns ? `postgres://platedesk@${encodeURIComponent(cluster.dir)}:${cluster.port}/${db}` : cluster.url(db)
    }

    // the engine alone on the same files: 1 thread, and one per core
    for (const w of [1, Math.min(2, availableParallelism())].filter((v, i, a) => a.indexOf(v) === i)) {
      const engine = await createEngine({ workers: w })
      await feed(files.slice(0, w * 2), w * 2 + 1, (f) => engine.recognizeFile(f))
      const t0 = performance.now()
      await feed(files, w * 2 + 1, (f) => engine.recognizeFile(f).catch(() => null))
      const s = (performance.now() - t0) / 1000
      console.log(`engine only, ${w} thread${w > 1 ? 's' : ''}: ${(n / s).toFixed(2)} images/s (in-process, no queue, no commits); load ${load()}`)
      await engine.close()
    }

    for (const p of counts) {
      const queue = await urlOf(`bench_${p}`)
      const db = sqliteLibrary ? join(tmp, `lib-${p}.sqlite`) : queue
      const checked = sqliteLibrary ? db : cluster.url(`bench_${p}`)
      enqueue(db, queue, join(tmp, 'media'))
      const t0 = Date.now()
      const workers = Array.from({ length: p }, () => startWorker(db, queue, netns, ['--once']))
      const results = await Promise.all(workers.map((w) => w.done))
      const wall = (Date.now() - t0) / 1000
      for (const r of results) if (r.code !== 0) throw new Error(`a worker failed (exit ${r.code}):\n${r.err}`)
      const commits = workers.flatMap((w) => w.commits).sort((a, b) => a - b)
      const steady = commits.length > 1 ? (commits.length - 1) / ((commits[commits.length - 1] - commits[0]) / 1000) : 0
      const c = check(checked)
      const per = workers.map((w) => w.commits.length).join('+')
      console.log(
        `${p} worker${p > 1 ? 's' : ' '}: ${(c.done / wall).toFixed(2)} images/s start to finish (${wall.toFixed(1)} s), ${steady.toFixed(2)} images/s steady; ` +
          `files per worker ${per}; ${c.media} media, ${c.done} done, ${c.failed} failed; peak rss ${results.map((r) => peakRss(r.out)).join('/')} MB; load ${load()}`
      )
      if (c.media !== n || c.distinct !== n) throw new Error(`expected ${n} media once each, got ${c.media} (${c.distinct} distinct)`)
    }

    // kill -9 of one of two workers mid-job: short attempts so its job comes back in seconds
    {
      const queue = await urlOf('bench_kill')
      const db = sqliteLibrary ? join(tmp, 'lib-kill.sqlite') : queue
      enqueue(db, queue, join(tmp, 'media'), ['--job-timeout', '5', '--retry-delay', '1'])
      const boss = await openWorkQueue(netns ? cluster.url('bench_kill') : queue, { supervise: false })
      const victim = startWorker(db, queue, netns)
      const survivor = startWorker(db, queue, netns, ['--once'])
      let held = 0
      try {
        for (let i = 0; i < 2400; i++) {
          if (victim.commits.length >= 2 && (held = (await queueSizes(boss)).active) > 0) break
          await new Promise((r) => setTimeout(r, 50))
        }
      } finally {
        victim.kill('SIGKILL')
        await boss.stop({ graceful: false })
      }
      const v = await victim.done
      const s = await survivor.done
      const c = check(sqliteLibrary ? db : cluster.url('bench_kill'))
      const lost = n - c.distinct
      console.log(
        `kill -9: one of 2 workers killed (${v.signal}) after ${victim.commits.length} files with ${held} job(s) active; the other finished (exit ${s.code}): ` +
          `${c.distinct}/${n} files in the library, ${lost} lost, ${c.media - c.distinct} duplicated, ${c.failed} failed; load ${load()}`
      )
      if (lost || c.media !== c.distinct || s.code !== 0) throw new Error('kill -9 run lost or duplicated files')
    }
  } finally {
    cluster.stop()
    rmSync(tmp, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
