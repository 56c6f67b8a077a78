// Several OS processes writing one library at once (an import beside review edits, two reviewers), on a
// library file and on a server library: every write waits its turn (SQLite's write lock, PostgreSQL's
// advisory lock), none fails with "database is locked" or a lock timeout, and every write is there.
import { execFile, spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openLibrary } from '../../src/main/db/index'
import { FIXTURES_SKIP_REASON, fixturesDir, MODELS_SKIP_REASON, modelsDir, REPO_ROOT, skipReason } from '../helpers/models'
import { StartLine } from '../helpers/start-line'
import { stores, stopTestCluster } from '../helpers/stores'

const CHILD = join(REPO_ROOT, 'test/db/concurrent-child.ts')
const TSX = join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs')

interface ChildResult {
  done: number
  failed: number
  errors: string[]
}

/** a writer process; with a start line it begins when every process on the line is ready */
function child(file: string, role: 'import' | 'review', count: number, line: StartLine | null, stopFile?: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [TSX, CHILD, file, role, String(count), line ? 'together' : 'now', ...(stopFile ? [stopFile] : [])], {
      stdio: ['pipe', 'pipe', 'pipe']
    })
    line?.join(p)
    let out = ''
    let err = ''
    p.stdout.on('data', (d: Buffer) => (out += d.toString()))
    p.stderr.on('data', (d: Buffer) => (err += d.toString()))
    p.on('error', reject)
    p.on('close', (code) => {
      try {
        if (code !== 0) throw new Error(`${role} child exited ${code}: ${err}`)
        resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult)
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)))
      }
    })
  })
}

afterAll(stopTestCluster)

describe.each(stores)('processes on one library ($name)', (store) => {
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-concurrent-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const fresh = async (name: string): Promise<string> => (store.name === 'sqlite' ? join(dir, name) : store.fresh())

  it('an import and two review bursts at once: zero failures, all writes present', async () => {
    const file = await fresh('library.db')
    openLibrary(file).close()
    // plates to review: a first import, alone
    const seed = await child(file, 'import', 20, null)
    expect(seed).toMatchObject({ done: 21, failed: 0 })

    const IMPORTS = 150
    const EDITS = 1200
    // the children take a few seconds to start (tsx); they begin writing together
    const line = new StartLine()
    const running = Promise.all([child(file, 'import', IMPORTS, line), child(file, 'review', EDITS, line), child(file, 'review', EDITS, line)])
    await line.start()
    const results = await running
    for (const r of results) expect(r.errors, JSON.stringify(r)).toEqual([])
    expect(results.map((r) => r.done)).toEqual([IMPORTS + 1, EDITS, EDITS])

    const lib = openLibrary(file, { readonly: true })
    try {
      const q = (sql: string): number => (lib.db.prepare(sql).get() as { n: number }).n
      expect(q(`SELECT COUNT(*) AS n FROM import_items WHERE state = 'done'`)).toBe(20 + IMPORTS)
      expect(q(`SELECT COUNT(*) AS n FROM plates`)).toBe(3 * (20 + IMPORTS))
      expect(q(`SELECT COUNT(*) AS n FROM history`)).toBe(2 * EDITS)
      expect(q(`SELECT COUNT(*) AS n FROM import_jobs WHERE state = 'done'`)).toBe(2)
    } finally {
      lib.close()
    }
  })

  it('processes creating the same new library at once: one schema, every import kept', async () => {
    const file = await fresh('fresh.db')
    const line = new StartLine()
    const running = Promise.all([0, 1, 2].map(() => child(file, 'import', 10, line)))
    await line.start()
    const results = await running
    for (const r of results) expect(r, JSON.stringify(r)).toMatchObject({ done: 11, failed: 0 })
    const lib = openLibrary(file, { readonly: true })
    try {
      expect(lib.version).toBeGreaterThanOrEqual(3)
      expect((lib.db.prepare(`SELECT COUNT(*) AS n FROM import_items WHERE state = 'done'`).get() as { n: number }).n).toBe(30)
    } finally {
      lib.close()
    }
  })

  // SQLite only: the CLI import on a server library is test/db/server-cli.test.ts
  it.skipIf(store.name !== 'sqlite' || skipReason(!modelsDir() && MODELS_SKIP_REASON, !fixturesDir() && FIXTURES_SKIP_REASON))(
    'platedesk import (real recognition) while two reviewers edit: every file imported, every edit kept',
    async () => {
      const file = join(dir, 'import.db')
      openLibrary(file).close()
      const seed = await child(file, 'import', 20, null)
      expect(seed.failed).toBe(0)
      const stop = join(dir, 'import-finished')
      const line = new StartLine()
      const reviewers = [child(file, 'review', 300, line, stop), child(file, 'review', 300, line, stop)]
      await line.start()
      // 8 real dashcam photos (recognition is the slow part; the writes are what is tested)
      const images = join(dir, 'photos')
      mkdirSync(images)
      const src = join(fixturesDir()!, 'images')
      for (const name of readdirSync(src).sort().slice(0, 8)) copyFileSync(join(src, name), join(images, name))
      const imported = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [join(REPO_ROOT, 'bin/platedesk.js'), 'import', '--db', file, images],
          { encoding: 'utf8', env: { ...process.env, ALPR_MODELS_DIR: modelsDir()! } },
          (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
        )
      })
      writeFileSync(stop, '')
      const reviews = await Promise.all(reviewers)
      expect(imported.code, imported.stderr).toBe(0)
      expect(imported.stdout).toMatch(/summary: 8 files: 8 imported, 0 already in the library, 0 failed/)
      for (const r of reviews) expect(r.errors, JSON.stringify(r)).toEqual([])
      const lib = openLibrary(file, { readonly: true })
      try {
        const n = (lib.db.prepare('SELECT COUNT(*) AS n FROM history').get() as { n: number }).n
        expect(n).toBe(reviews[0].done + reviews[1].done)
        expect((lib.db.prepare(`SELECT COUNT(*) AS n FROM media WHERE folder LIKE ?`).get(`${images}%`) as { n: number }).n).toBe(8)
      } finally {
        lib.close()
      }
    },
    120_000
  )
})
