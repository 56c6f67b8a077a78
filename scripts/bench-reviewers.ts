// N simulated reviewers, each its own OS process on one library file, for S seconds: each asks for its next
// plate (review.next) and decides it (confirm, correct or reject), as fast as it can, through the library
// service as a signed-in reviewer. Afterwards the library must show no plate decided twice and every
// decision a reviewer was told succeeded. Prints decisions/s and p50/p95 of each call, with the load.
// Usage: tsx scripts/bench-reviewers.ts [reviewers=10] [seconds=120] [plates=20000]
// (run as a child: tsx scripts/bench-reviewers.ts --child FILE USER START_MS SECONDS)
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openLibrary } from '../src/main/db/index'
import { runAs } from '../src/main/services/caller'
import { createLibraryService } from '../src/main/services/library'
import { load } from './bench-lib'
import { fillBenchLibrary } from './bench-plates'

interface ChildOut {
  decided: number[]
  next: number[]
  decide: number[]
  errors: string[]
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN
}

async function child(file: string, user: string, startAt: number, seconds: number): Promise<void> {
  const wait = startAt - Date.now()
  if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  const lib = openLibrary(file)
  const api = createLibraryService({ library: lib, engine: () => Promise.reject(new Error('none')), emit: () => undefined, resume: false }).handlers
  const out: ChildOut = { decided: [], next: [], decide: [], errors: [] }
  const end = Date.now() + seconds * 1000
  await runAs({ user, role: 'reviewer' }, async () => {
    for (let i = 0; Date.now() < end; i++) {
      let t = performance.now()
      const { items } = await api['review.next']({ filter: { state: 'unreviewed' }, sort: 'confidence', count: 1 })
      out.next.push(performance.now() - t)
      const p = items[0]
      if (!p) break
      t = performance.now()
      try {
        if (i % 5 === 0) await api['plates.reject']({ id: p.id })
        else if (i % 5 === 1) await api['plates.correct']({ id: p.id, text: `${user.toUpperCase()}${i % 1000}` })
        else await api['plates.confirm']({ id: p.id })
        out.decided.push(p.id)
      } catch (err) {
        out.errors.push((err as Error).message)
      }
      out.decide.push(performance.now() - t)
    }
  })
  lib.close()
  process.stdout.write(JSON.stringify(out) + '\n')
}

async function main(): Promise<void> {
  const [reviewers = 10, seconds = 120, plates = 20_000] = process.argv.slice(2).map(Number)
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-bench-reviewers-'))
  const file = join(dir, 'library.db')
  fillBenchLibrary(file, plates)
  const me = fileURLToPath(import.meta.url)
  const startAt = Date.now() + 5000 + reviewers * 500
  const outs = await Promise.all(
    Array.from({ length: reviewers }, (_, k) => new Promise<ChildOut>((ok, fail) => {
      const p = spawn(process.execPath, [...process.execArgv, me, '--child', file, `reviewer${k + 1}`, String(startAt), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] })
      let s = ''
      p.stdout.on('data', (d: Buffer) => (s += d.toString()))
      p.on('close', (code) => (code === 0 ? ok(JSON.parse(s.trim().split('\n').pop()!) as ChildOut) : fail(new Error(`reviewer ${k + 1} exited ${code}`))))
    }))
  )
  const lib = openLibrary(file, { readonly: true })
  const rows = lib.db.prepare(`SELECT plate_id, COUNT(*) AS n FROM history WHERE action IN ('confirm', 'correct', 'reject') GROUP BY plate_id`).all() as { plate_id: number; n: number }[]
  lib.close()
  const decided = outs.flatMap((o) => o.decided)
  const twice = rows.filter((r) => r.n > 1).length
  const inDb = new Set(rows.map((r) => r.plate_id))
  const lost = decided.filter((id) => !inDb.has(id)).length
  const errors = outs.flatMap((o) => o.errors)
  console.log(`${reviewers} reviewers (processes) x ${seconds} s on one SQLite library of ${plates} plates, load ${load()}`)
  console.log(`decisions: ${decided.length} (${(decided.length / seconds).toFixed(0)}/s); decided twice: ${twice}; lost: ${lost}; refused: ${errors.length}${errors[0] ? ` (${errors[0]})` : ''}`)
  const next = outs.flatMap((o) => o.next)
  const decide = outs.flatMap((o) => o.decide)
  console.log(`review.next ms: p50 ${pct(next, 50).toFixed(2)} p95 ${pct(next, 95).toFixed(2)}; decision ms: p50 ${pct(decide, 50).toFixed(2)} p95 ${pct(decide, 95).toFixed(2)}`)
  rmSync(dir, { recursive: true, force: true })
  if (twice || lost) process.exitCode = 1
}

if (process.argv[2] === '--child') {
  const [file, user, startAt, seconds] = process.argv.slice(3)
  await child(file!, user!, Number(startAt), Number(seconds))
} else await main()
