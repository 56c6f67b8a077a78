// SQLite-only: damage is a corrupted library file (PostgreSQL checks its own pages).
// A library with 8 KB of garbage in the middle: found at open (quick_check), reported by stats and serve,
// and every write is refused with how to recover, so the damage is not buried under new edits.
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLibrary } from '../../src/main/db/index'
import { createBackend } from '../../src/main/services/app'
import { buildFixtureLibrary, type FixtureLibrary } from '../export/fixture-library'
import { FIXTURES_SKIP_REASON, fixturesDir, REPO_ROOT, skipReason } from '../helpers/models'

const FIX = fixturesDir()
const CLI = join(REPO_ROOT, 'bin/platedesk.js')
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 })
const sha = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex')

/** 8 KB of deterministic garbage written over the middle of the file */
function corruptMiddle(file: string): void {
  const garbage = Buffer.alloc(8192)
  for (let i = 0; i < garbage.length; i += 32) createHash('sha256').update(`garbage ${i}`).digest().copy(garbage, i)
  const fd = openSync(file, 'r+')
  writeSync(fd, garbage, 0, garbage.length, Math.floor(statSync(file).size / 2))
  closeSync(fd)
}

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON))('a damaged library', () => {
  let f: FixtureLibrary
  let plateId: number
  let damagedSha: string
  beforeAll(() => {
    f = buildFixtureLibrary(FIX!, { withVideo: true })
    plateId = (f.lib.db.prepare(`SELECT id FROM plates WHERE review_state = 'unreviewed' ORDER BY id LIMIT 1`).get() as { id: number }).id
    f.lib.close() // checkpoints the WAL into the file
    corruptMiddle(f.file)
    damagedSha = sha(f.file)
  })
  afterAll(() => f?.close())

  it('stats and export warn that it is damaged and say how to recover; check fails', () => {
    const s = run('stats', '--db', f.file)
    expect(s.stderr).toContain(`library ${f.file} is damaged`)
    expect(s.stderr).toContain(`platedesk check --db ${f.file}`)
    expect(s.stderr).toContain('export what is still readable')
    const c = run('check', '--db', f.file)
    expect(c.status).toBe(1)
    // export, the way out, still opens it (read-only) and repeats the warning
    const e = run('export', '--db', f.file, '--format', 'json', '--out', join(f.dir, 'rescue'))
    expect(e.stderr).toContain(`library ${f.file} is damaged`)
    expect(sha(f.file)).toBe(damagedSha)
  })

  it('opens for reading only: review edits, settings and imports are refused, and nothing is written', () => {
    const lib = openLibrary(f.file)
    try {
      expect(lib.damage).toMatch(/is damaged \(.+\)\. It is open read-only/)
      const refused = { code: 'io', message: expect.stringMatching(/refused to write: library .* is damaged .*platedesk check --db/) }
      expect(() => lib.writer.confirm(plateId, 'tester')).toThrow(expect.objectContaining(refused))
      expect(() => lib.writer.setSettings({ theme: 'dark' })).toThrow(expect.objectContaining(refused))
      expect(() => lib.imports.createJob([f.dir], { fps: 1 }, [])).toThrow(expect.objectContaining(refused))
      // even SQL that bypasses the writer cannot change it
      expect(() => lib.db.prepare(`UPDATE plates SET text = 'X' WHERE id = ?`).run(plateId)).toThrow(/readonly/)
    } finally {
      lib.close()
    }
    expect(sha(f.file)).toBe(damagedSha)
  })

  it('web mode: the backend reports the damage and a review call fails with a clear io error', async () => {
    const backend = await createBackend({ dbPath: f.file, mode: 'web', user: 'tester' })
    try {
      expect(backend.damage).toContain('is damaged')
      const r = await backend.invoke('plates.confirm', { id: plateId })
      expect(r).toMatchObject({ ok: false, error: { code: 'io', message: expect.stringContaining('is damaged') } })
    } finally {
      await backend.close()
    }
    expect(sha(f.file)).toBe(damagedSha)

    // and `platedesk serve` prints the warning when it starts
    const child = spawn(process.execPath, [CLI, 'serve', '--db', f.file, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve printed no warning: ${stdout} ${stderr}`)), 45_000)
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString()
          if (stderr.includes('is damaged')) (clearTimeout(timer), resolve())
        })
        child.on('exit', (code) => (clearTimeout(timer), reject(new Error(`serve exited ${code}: ${stdout} ${stderr}`))))
      })
      expect(stderr).toContain(`platedesk check --db ${f.file}`)
      expect(stdout).toMatch(/http:\/\/127\.0\.0\.1:\d+/)
    } finally {
      child.kill('SIGTERM')
    }
  })
})
