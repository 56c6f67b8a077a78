// SQLite-only: recognising files by their header (a server database with other tables: library.test.ts).
// Someone else's SQLite file (or any file) given as a library is refused before anything writes to it:
// the error names the file and the file stays byte for byte the same, with no -wal/-shm left beside it.
import type { SqliteDb } from '../../src/main/db/index'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { openLibrary, PLATEDESK_APPLICATION_ID } from '../../src/main/db/index'
import { REPO_ROOT } from '../helpers/models'

const CLI = join(REPO_ROOT, 'bin/platedesk.js')
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 })
const sha = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex')

describe('a file that is not a PlateDesk library', () => {
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-foreign-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** another application's database: its own table, user_version 7, rollback journal (or WAL) */
  const foreign = (name: string, opts: { wal?: boolean; appId?: number } = {}): string => {
    const f = join(dir, name)
    const db = new Database(f)
    if (opts.wal) db.pragma('journal_mode = WAL')
    db.exec('CREATE TABLE recipes (id INTEGER PRIMARY KEY, title TEXT)')
    db.prepare('INSERT INTO recipes (title) VALUES (?)').run('soup')
    db.pragma('user_version = 7')
    if (opts.appId) db.pragma(`application_id = ${opts.appId}`)
    db.close()
    return f
  }

  const expectUntouched = (f: string, before: string): void => {
    expect(sha(f)).toBe(before)
    expect(existsSync(`${f}-wal`), `${f}-wal left behind`).toBe(false)
    expect(existsSync(`${f}-shm`), `${f}-shm left behind`).toBe(false)
  }

  it('openLibrary refuses another application’s SQLite file, naming it, and leaves it unchanged', () => {
    for (const [name, opts] of [
      ['recipes.db', {}],
      ['recipes-wal.db', { wal: true }],
      ['marked.db', { appId: 0x12345678 }]
    ] as const) {
      const f = foreign(name, opts)
      const before = sha(f)
      for (const readonly of [false, true]) {
        expect(() => openLibrary(f, { readonly }), `${name} readonly=${readonly}`).toThrow(`${f} is not a PlateDesk library`)
        expectUntouched(f, before)
      }
      const db = new Database(f, { readonly: true })
      expect(db.pragma('user_version', { simple: true })).toBe(7)
      expect(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all()).toEqual([{ name: 'recipes' }])
      db.close()
    }
    const text = join(dir, 'notes.db')
    writeFileSync(text, 'not a database at all\n'.repeat(20))
    const before = sha(text)
    expect(() => openLibrary(text)).toThrow(/notes\.db is not a PlateDesk library \(not an SQLite database\)/)
    expectUntouched(text, before)
  })

  it('the CLI (import, stats, check, export, serve) refuses it and leaves it unchanged', () => {
    const f = foreign('cli.db')
    const before = sha(f)
    const photos = join(dir, 'photos')
    mkdirSync(photos, { recursive: true })
    for (const args of [
      ['import', '--db', f, photos],
      ['stats', '--db', f],
      ['check', '--db', f],
      ['export', '--db', f, '--format', 'csv', '--out', join(dir, 'out')],
      ['serve', '--db', f, '--port', '0']
    ]) {
      const r = run(...args)
      expect(r.status, `${args[0]}: ${r.stdout} ${r.stderr}`).not.toBe(0)
      expect(r.stderr, args[0]).toContain(`${f} is not a PlateDesk library`)
      expectUntouched(f, before)
    }
  })

  it('new libraries carry the PlateDesk application_id; an older unmarked library is recognised and marked', () => {
    const f = join(dir, 'new.db')
    openLibrary(f).close()
    expect(readFileSync(f).readUInt32BE(68)).toBe(PLATEDESK_APPLICATION_ID)
    // a library from before the mark: application_id 0, recognised by its tables
    const raw = new Database(f)
    raw.pragma('application_id = 0')
    raw.close()
    const lib = openLibrary(f)
    expect((lib.db as SqliteDb).pragma('application_id', { simple: true })).toBe(PLATEDESK_APPLICATION_ID)
    lib.close()
    // an empty file is a new library
    const empty = join(dir, 'empty.db')
    writeFileSync(empty, '')
    const e = openLibrary(empty)
    expect(e.version).toBeGreaterThanOrEqual(3)
    e.close()
  })
})
