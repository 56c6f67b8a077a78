// What team review costs the review calls, on a library of N plates (default 20,000): the old path (the
// reader/writer called directly), the same call through the library service without a caller (the
// desktop app: only a lease lookup is added) and as a signed-in reviewer (leases taken and released).
// Interleaved A/B/C rounds; CPU microseconds per call (process.cpuUsage), median of the rounds, with
// the load average. Usage: tsx scripts/bench-team-review.ts [plates]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openLibrary } from '../src/main/db/index'
import type { FileResult } from '../src/main/db/imports'
import { runAs } from '../src/main/services/caller'
import { createLibraryService } from '../src/main/services/library'
import { load } from './bench-lib'

const N = Number(process.argv[2] ?? 20_000)
const dir = mkdtempSync(join(tmpdir(), 'platedesk-bench-team-'))
const lib = openLibrary(join(dir, 'library.db'))
const PER = 4
let n = 0
for (let i = 0; n < N; i++) {
  const f: FileResult = {
    path: `/bench/img${i}.jpg`, folder: '/bench', size: 1000, mtimeMs: 0, sha256: `bench-${i}`, kind: 'image', width: 1280, height: 720,
    durationS: null, fps: null, capturedAt: null, gpsLat: null, gpsLon: null, status: 'done', error: null, tracks: [],
    frames: [{ idx: 0, timeS: null, width: 1280, height: 720, detections: Array.from({ length: PER }, (_, k) => {
      const c = ((n + k) * 7919 % 1000) / 1000
      const text = `B${(n + k) % 100}XYZ`
      return { box: { x1: 100 * k, y1: 10, x2: 100 * k + 80, y2: 40 }, score: 0.9, detector: 'bench',
        read: { text, confidence: c, charConfidences: [...text].map(() => c), candidates: [{ plate: text, confidence: c }], region: null, regionConfidence: null, modelId: 'bench' } }
    }) }]
  }
  const job = lib.imports.createJob(['/bench'], { fps: 0 }, [{ path: f.path, root: '/bench' }])
  lib.imports.commitFile(lib.imports.pendingItems(job, 0, 1)[0]!.id, f)
  n += PER
}
const api = createLibraryService({ library: lib, engine: () => Promise.reject(new Error('none')), emit: () => undefined, resume: false, user: 'desk' }).handlers
const ann = { user: 'ann', role: 'reviewer' as const }

const cpuUs = async (fn: () => unknown, reps: number): Promise<number> => {
  const t = process.cpuUsage()
  for (let i = 0; i < reps; i++) await fn()
  const d = process.cpuUsage(t)
  return (d.user + d.system) / reps
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const filter = { state: 'unreviewed' as const }
let next = 0
const ids = (lib.db.prepare(`SELECT id FROM plates ORDER BY id`).all() as { id: number }[]).map((r) => r.id)
const take = () => ids[next++ % ids.length]!

const cases: Record<string, (() => unknown)[]> = {
  'list 200 (queue page)': [
    () => lib.reader.listPlates(filter, 'confidence', 0, 200),
    () => api['plates.list']({ filter, sort: 'confidence', offset: 0, limit: 200 }),
    () => runAs(ann, () => api['plates.list']({ filter, sort: 'confidence', offset: 0, limit: 200 }))
  ],
  'decide (reject)': [
    () => lib.writer.reject(take(), 'desk'),
    () => api['plates.reject']({ id: take() }),
    () => runAs(ann, () => api['plates.reject']({ id: take() }))
  ],
  'lease window of 7': [
    () => undefined,
    () => api['review.lease']({ ids: [take(), take(), take(), take(), take(), take(), take()] }),
    () => runAs(ann, () => api['review.lease']({ ids: [take(), take(), take(), take(), take(), take(), take()] }))
  ]
}
const ROUNDS = 7
console.log(`team review overhead, ${N} plates, load ${load()}`)
console.log('call'.padEnd(24), 'direct µs'.padStart(10), 'desktop µs'.padStart(11), 'reviewer µs'.padStart(12))
for (const [name, fns] of Object.entries(cases)) {
  const res: number[][] = [[], [], []]
  const reps = name.startsWith('list') ? 20 : 200
  for (let r = 0; r < ROUNDS; r++) for (let k = 0; k < 3; k++) res[k]!.push(await cpuUs(fns[k]!, reps))
  console.log(name.padEnd(24), ...res.map((xs, k) => median(xs).toFixed(0).padStart(k === 0 ? 10 : k === 1 ? 11 : 12)))
}
const t0 = process.hrtime.bigint()
let got = 0
await runAs(ann, async () => {
  for (let i = 0; i < 200; i++) {
    const { items } = await api['review.next']({ filter, sort: 'confidence', count: 1 })
    if (items[0]) (await api['plates.confirm']({ id: items[0].id }), got++)
  }
})
console.log(`review.next + confirm as a reviewer: ${(Number(process.hrtime.bigint() - t0) / 1e6 / got).toFixed(2)} ms per plate (wall), load ${load()}`)
lib.close()
rmSync(dir, { recursive: true, force: true })
