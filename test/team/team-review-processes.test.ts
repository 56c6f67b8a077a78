// Three reviewers in three OS processes on one library file, each asking for its next plate and deciding
// it as fast as it can: no plate is served to two of them, none is decided twice, none is left over.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openLibrary } from '../../src/main/db/index'
import { fillWithFixturePlates } from '../helpers/fixture-library'
import { FIXTURES_SKIP_REASON, fixturesDir, REPO_ROOT } from '../helpers/models'
import { StartLine } from '../helpers/start-line'

const CHILD = join(REPO_ROOT, 'test/team/reviewer-child.ts')
const TSX = join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs')
const fixtures = fixturesDir()

function reviewer(file: string, user: string, line: StartLine): Promise<{ served: number[]; errors: string[] }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [TSX, CHILD, file, user], { stdio: ['pipe', 'pipe', 'pipe'] })
    line.join(p)
    let out = ''
    let err = ''
    p.stdout.on('data', (d: Buffer) => (out += d.toString()))
    p.stderr.on('data', (d: Buffer) => (err += d.toString()))
    p.on('error', reject)
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${user} exited ${code}: ${err}`))
      resolve(JSON.parse(out.trim().split('\n').pop()!) as { served: number[]; errors: string[] })
    })
  })
}

describe.skipIf(!fixtures)('reviewers in separate processes', () => {
  if (!fixtures) it.skip(FIXTURES_SKIP_REASON, () => undefined)
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-team-proc-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('never serve one plate to two of them', async () => {
    const file = join(dir, 'library.db')
    const lib = openLibrary(file)
    // the fixture plates 20 times over (other content hashes): a queue long enough to share
    let total = 0
    for (let k = 0; k < 20; k++) total += await fillWithFixturePlates(lib, fixtures!, k)
    lib.close()
    const line = new StartLine() // the children take seconds to start (tsx); they begin together
    const running = Promise.all(['ann', 'bob', 'cid'].map((u) => reviewer(file, u, line)))
    await line.start()
    const results = await running
    for (const r of results) expect(r.errors).toEqual([])
    const served = results.flatMap((r) => r.served)
    expect(new Set(served).size).toBe(served.length)
    expect(served.length).toBe(total)
    // each reviewer did a share of the work (they really ran side by side)
    for (const r of results) expect(r.served.length).toBeGreaterThan(0)
    const check = openLibrary(file, { readonly: true })
    try {
      const rows = check.db
        .prepare(`SELECT plate_id, COUNT(*) AS n FROM history WHERE action IN ('confirm', 'reject') GROUP BY plate_id`)
        .all() as { plate_id: number; n: number }[]
      expect(rows.length).toBe(total)
      expect(rows.every((r) => r.n === 1)).toBe(true)
      expect((check.db.prepare(`SELECT COUNT(*) AS n FROM plates WHERE review_state = 'unreviewed'`).get() as { n: number }).n).toBe(0)
    } finally {
      check.close()
    }
  }, 120_000)
})
