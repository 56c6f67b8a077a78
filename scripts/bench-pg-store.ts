// Server-library benchmark: the same work on a library file (SQLite) and on a server library (PostgreSQL
// on a private loopback cluster, scripts use test/helpers/pg.ts), interleaved so load drift hits both.
//   1. one statement's round trip through the synchronous API (db.prepare(sql).get()), and for PostgreSQL
//      the same query awaited on a plain async `pg` client (what the worker-thread hop adds);
//   2. import commits (ImportStore.commitFile of a photo with 3 plates, no engine): the store's own rate;
//   3. a real photo import (ImportQueue + the ONNX engine) of N fixture variants: photos/s.
//
//   npx tsx scripts/bench-pg-store.ts [--photos N=48] [--commits N=300] [--durable]
//
// --durable: the cluster fsyncs each commit (synchronous_commit on); default off, which is closer to the
// library file's WAL + synchronous=NORMAL (no fsync per commit). Noisy on shared machines: the load
// average is printed with the results.
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import sharp from 'sharp'
import { openLibrary, type Library } from '../src/main/db/index'
import { blankFileResult, type FileResult } from '../src/main/db/imports'
import { createEngine } from '../src/main/engine/index'
import { ImportQueue } from '../src/main/importer/queue'
import { startPgCluster } from '../test/helpers/pg'
import { load, numberFlag } from './bench-lib'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const flag = (name: string, def: number) => numberFlag(args, name, def)
const PHOTOS = flag('--photos', 48)
const COMMITS = flag('--commits', 300)
const ROUNDS = 3
if (!process.env.ALPR_MODELS_DIR) process.env.ALPR_MODELS_DIR = join(root, '..', 'shared', 'models')
const fixtures = join(root, '..', 'shared', 'fixtures', 'romania-dashcam', 'images')

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function photo(i: number, tag: string): FileResult {
  return blankFileResult({
    path: `/bench/${tag}/img${i}.jpg`,
    folder: '/bench',
    size: 100_000 + i,
    mtimeMs: 1_700_000_000_000 + i,
    sha256: createHash('sha256').update(`${tag}-${i}`).digest('hex'),
    kind: 'image',
    width: 1280,
    height: 720,
    frames: [
      {
        idx: 0,
        timeS: null,
        width: 1280,
        height: 720,
        detections: [0, 1, 2].map((k) => ({
          box: { x1: 100 + k * 200, y1: 300, x2: 220 + k * 200, y2: 330 },
          score: 0.9,
          detector: 'bench',
          read: { text: `B${i}X${k}`, confidence: 0.8, charConfidences: [0.8, 0.8], candidates: [], region: 'ro', regionConfidence: 0.9, modelId: 'bench' }
        }))
      }
    ]
  })
}

function roundTrip(lib: Library, n: number): number {
  const s = lib.db.prepare('SELECT id, text FROM plates WHERE id = ?')
  for (let i = 0; i < 50; i++) s.get(1)
  const t = performance.now()
  for (let i = 0; i < n; i++) s.get(1 + (i % 3))
  return ((performance.now() - t) / n) * 1000
}

function commits(lib: Library, n: number, tag: string): number {
  const items = Array.from({ length: n }, (_, i) => ({ path: `/bench/${tag}/img${i}.jpg`, root: '/bench' }))
  const job = lib.imports.createJob(['/bench'], { fps: 0 }, items)
  const pending = lib.imports.pendingItems(job, 0, n)
  const t = performance.now()
  for (const [i, it] of pending.entries()) lib.imports.commitFile(it.id, photo(i, tag))
  return n / ((performance.now() - t) / 1000)
}

async function generate(dir: string, n: number): Promise<string[]> {
  const sources = readdirSync(fixtures).filter((f) => f.endsWith('.jpg')).sort()
  mkdirSync(dir, { recursive: true })
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const v = Math.floor(i / sources.length)
    const file = join(dir, `img-${String(i).padStart(4, '0')}.jpg`)
    await sharp(join(fixtures, sources[i % sources.length]))
      .extract({ left: (v * 7) % 48, top: (v * 5) % 27, width: 1232, height: 693 })
      .jpeg({ quality: 70 + (v % 28) })
      .toFile(file)
    out.push(file)
  }
  return out
}

async function main(): Promise<void> {
  const cluster = await startPgCluster({ durable: args.includes('--durable') })
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-bench-pg-'))
  try {
    console.log(`cluster on 127.0.0.1:${cluster.port}${args.includes('--durable') ? ' (durable: fsync per commit)' : ' (synchronous_commit off)'}; load ${load()}`)
    const sqlite = openLibrary(join(dir, 'bench.db'))
    const server = openLibrary(await cluster.createDatabase('bench'))
    // a few plates to read
    commits(sqlite, 3, 'seed')
    commits(server, 3, 'seed')

    // 1. round trips
    const rt = { sqlite: [] as number[], postgres: [] as number[], asyncPg: [] as number[] }
    const client = new pg.Client({ connectionString: cluster.url('bench') })
    await client.connect()
    for (let r = 0; r < ROUNDS; r++) {
      rt.sqlite.push(roundTrip(sqlite, 20_000))
      rt.postgres.push(roundTrip(server, 2000))
      const t = performance.now()
      for (let i = 0; i < 2000; i++) await client.query({ name: 'rt', text: 'SELECT id, text FROM plates WHERE id = $1', values: [1 + (i % 3)] })
      rt.asyncPg.push(((performance.now() - t) / 2000) * 1000)
    }
    await client.end()
    console.log(
      `statement round trip (median of ${ROUNDS}): SQLite ${median(rt.sqlite).toFixed(1)} µs, PostgreSQL via PgDb ${median(rt.postgres).toFixed(0)} µs ` +
        `(plain async pg client: ${median(rt.asyncPg).toFixed(0)} µs); load ${load()}`
    )

    // 2. import commits
    const cm = { sqlite: [] as number[], postgres: [] as number[] }
    for (let r = 0; r < ROUNDS; r++) {
      cm.sqlite.push(commits(sqlite, COMMITS, `s${r}`))
      cm.postgres.push(commits(server, COMMITS, `p${r}`))
    }
    console.log(
      `import commits, photo with 3 plates (~12 statements, one transaction): SQLite ${median(cm.sqlite).toFixed(0)}/s, ` +
        `PostgreSQL ${median(cm.postgres).toFixed(0)}/s; load ${load()}`
    )
    sqlite.close()
    server.close()

    // 3. real photo import
    if (PHOTOS > 0) {
      const files = await generate(join(dir, 'photos'), PHOTOS)
      const engine = await createEngine({ workers: Math.min(2, availableParallelism()) })
      const rate = { sqlite: [] as number[], postgres: [] as number[] }
      for (let r = 0; r < 2; r++) {
        for (const kind of ['sqlite', 'postgres'] as const) {
          const lib = openLibrary(kind === 'sqlite' ? join(dir, `import-${r}.db`) : await cluster.createDatabase(`import_${r}`))
          const queue = new ImportQueue({ library: lib, engine: async () => engine })
          const t = performance.now()
          await queue.enqueue(files, { fps: 0 })
          await queue.idle()
          rate[kind].push(PHOTOS / ((performance.now() - t) / 1000))
          const s = lib.reader.stats()
          if (s.media !== PHOTOS) throw new Error(`${kind}: imported ${s.media} of ${PHOTOS}`)
          lib.close()
        }
      }
      await engine.close()
      console.log(
        `photo import (${PHOTOS} photos, real engine, ${Math.min(2, availableParallelism())} workers): SQLite ${rate.sqlite.map((x) => x.toFixed(2)).join(' / ')} photos/s, ` +
          `PostgreSQL ${rate.postgres.map((x) => x.toFixed(2)).join(' / ')} photos/s; load ${load()}`
      )
    }
  } finally {
    cluster.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
