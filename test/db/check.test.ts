// SQLite-only: it breaks a foreign key behind SQLite's back and reads integrity_check; PostgreSQL always
// enforces foreign keys (`check` on a server library: test/db/server-cli.test.ts).
// `platedesk check` and `stats` on real library files: a healthy library passes, a damaged one fails.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { openLibrary } from '../../src/main/db/index'
import { REPO_ROOT } from '../helpers/models'

const CLI = join(REPO_ROOT, 'bin/platedesk.js')
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' })

describe('platedesk check / stats', () => {
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-check-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('passes a healthy library, fails one with a broken foreign key, refuses a non-library', () => {
    const db = join(dir, 'lib.db')
    openLibrary(db).close()
    const ok = run('check', '--db', db)
    expect(ok.status, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/^ok: /)
    const stats = run('stats', '--db', db, '--json')
    expect(stats.status, stats.stderr).toBe(0)
    expect(JSON.parse(stats.stdout)).toEqual({ media: 0, images: 0, videos: 0, frames: 0, detections: 0, plates: 0, tracks: 0, reviewed: 0, errors: 0 })

    // damage it behind the library's back: a frame pointing at a media row that does not exist
    const raw = new Database(db)
    raw.pragma('foreign_keys = OFF')
    raw.prepare('INSERT INTO frames (media_id, idx, time_s, width, height) VALUES (42, 0, NULL, 10, 10)').run()
    raw.close()
    const bad = run('check', '--db', db)
    expect(bad.status).toBe(1)
    expect(bad.stdout).toMatch(/foreign key: frames row \d+ -> media/)

    const junk = join(dir, 'junk.db')
    writeFileSync(junk, 'definitely not sqlite'.repeat(100))
    const j = run('check', '--db', junk)
    expect(j.status).toBe(1)
    expect(j.stderr).toContain(junk)
    const missing = run('stats', '--db', join(dir, 'nope.db'))
    expect(missing.status).toBe(1)
    expect(missing.stderr).toContain('nope.db')
  })
})
