// Push/pull throughput (db/library-copy.ts) on SQLite files: a library of N images (2 plates each, as the
// importer commits them) with half its plates reviewed through the Writer (confirm, correct, some undone),
// pushed into an empty library, pushed again (everything present), and pulled into a fresh file.
// Prints media/s, history rows/s and process CPU ms per media, with the load average. With --pg the
// server library is a database on a private PostgreSQL cluster (needs the server store).
//   npx tsx scripts/bench-push.ts [N=2000] [--pg]
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openLibrary, type Library } from '../src/main/db/index'
import { copyLibrary, type CopySummary } from '../src/main/db/library-copy'
import { blankFileResult } from '../src/main/db/imports'
import { load } from './bench-lib'
import { startPgCluster, type PgCluster } from '../test/helpers/pg'

const args = process.argv.slice(2)
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 2000)
const PG = args.includes('--pg')
const dir = mkdtempSync(join(tmpdir(), 'platedesk-bench-push-'))

function build(lib: Library): void {
  const items = Array.from({ length: N }, (_, i) => ({ path: `/photos/day${i % 30}/img${i}.jpg`, root: '/photos' }))
  const job = lib.imports.createJob(['/photos'], { fps: 0 }, items)
  const itemId = pendingIds(lib, job)
  items.forEach((it, i) => {
    const text = (k: number) => `B${String((i * 7 + k) % 1000).padStart(3, '0')}ABC`
    const det = (k: number) => ({
      box: { x1: 100 + 300 * k, y1: 400, x2: 280 + 300 * k, y2: 440 },
      score: 0.9,
      detector: 'yolo-v9-t',
      read: { text: text(k), confidence: 0.5 + ((i + k) % 50) / 100, charConfidences: [0.9, 0.9], candidates: [], region: null, regionConfidence: null, modelId: 'cct' }
    })
    const f = blankFileResult({
      path: it.path,
      folder: '/photos',
      size: 1000 + i,
      mtimeMs: 1_700_000_000_000 + i,
      sha256: createHash('sha256').update(`image ${i}`).digest('hex'),
      kind: 'image',
      width: 1280,
      height: 720,
      frames: [{ idx: 0, timeS: null, width: 1280, height: 720, detections: [det(0), det(1)] }]
    })
    lib.imports.commitFile(itemId.get(it.path)!, f)
  })
  lib.imports.setJobState(job, 'done')
  const plates = lib.reader.plateIds({ state: 'unreviewed' })
  plates.forEach((id, k) => {
    if (k % 2) return
    if (k % 6 === 0) lib.writer.correct(id, `C${k}XYZ`, 'bench')
    else lib.writer.confirm(id, 'bench')
    if (k % 10 === 0) lib.writer.undo(undefined, 'bench')
  })
}

function pendingIds(lib: Library, job: number): Map<string, number> {
  const out = new Map<string, number>()
  for (let after = 0; ; ) {
    const page = lib.imports.pendingItems(job, after, 1000)
    if (!page.length) return out
    for (const p of page) out.set(p.path, p.id)
    after = page[page.length - 1].id
  }
}

async function timed(name: string, from: Library, to: Library): Promise<void> {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const s: CopySummary = await copyLibrary(from.db, to.db)
  const sec = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const cpuMs = (cpu.user + cpu.system) / 1000
  console.log(
    `${name.padEnd(14)} ${s.media.total} media (${s.media.added} added), ${s.history.total} history rows (${s.history.added} added): ` +
      `${(s.media.total / sec).toFixed(0)} media/s, ${(s.history.total / sec).toFixed(0)} history rows/s, ` +
      `${(cpuMs / s.media.total).toFixed(2)} ms CPU per media, ${sec.toFixed(2)} s  [load ${load()}]`
  )
}

async function main(): Promise<void> {
  const origin = openLibrary(join(dir, 'origin.db'))
  const t0 = performance.now()
  build(origin)
  const st = origin.reader.stats()
  console.log(`library: ${st.media} media, ${st.plates} plates, ${st.reviewed} reviewed, built in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  let cluster: PgCluster | undefined
  if (PG) cluster = await startPgCluster()
  const server = openLibrary(cluster ? await cluster.createDatabase('server') : join(dir, 'server.db'))
  console.log(`server library: ${cluster ? 'PostgreSQL' : 'SQLite file'}`)
  await timed('push (empty)', origin, server)
  await timed('push again', origin, server)
  const back = openLibrary(join(dir, 'back.db'))
  await timed('pull (fresh)', server, back)
  for (const l of [origin, server, back]) l.close()
  cluster?.stop()
}

main()
  .catch((err) => {
    console.error(err)
    process.exitCode = 1
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }))
