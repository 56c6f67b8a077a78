// The library database on real SQLite files and on a real PostgreSQL server (helpers/stores.ts):
// migrations, queue queries with filters, and every review operation with its history and undo. Plates
// are committed through the same import commit the importer uses (ImportStore.commitFile), with
// synthetic detections instead of the engine.
import { readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openLibrary, PgDb, syncIdSequences, type Library, type SqliteDb } from '../../src/main/db/index'
import { stores, stopTestCluster } from '../helpers/stores'
import type { FileResult } from '../../src/main/db/imports'
import { migrations } from '../../src/main/db/migrations/index'
import { DEFAULT_SETTINGS, plateWhere } from '../../src/main/db/reader'
import type { PlateFilter } from '../../src/shared/types'

let dir: string
let target: string
let lib: Library

function read(text: string, confidence: number, region = 'ro') {
  return {
    text,
    confidence,
    charConfidences: [...text].map(() => confidence),
    candidates: [{ plate: text, confidence }],
    region,
    regionConfidence: 0.9,
    modelId: 'test-ocr'
  }
}

function imageFile(name: string, folder: string, plates: [string, number][], capturedAt: string | null = null): FileResult {
  return {
    path: join(folder, name),
    folder,
    size: 1000,
    mtimeMs: 1_700_000_000_000,
    sha256: `sha-${folder}-${name}`,
    kind: 'image',
    width: 1280,
    height: 720,
    durationS: null,
    fps: null,
    capturedAt,
    gpsLat: null,
    gpsLon: null,
    status: 'done',
    error: null,
    frames: [
      {
        idx: 0,
        timeS: null,
        width: 1280,
        height: 720,
        detections: plates.map(([t, c], i) => ({
          box: { x1: 100 * i, y1: 10, x2: 100 * i + 80, y2: 40 },
          score: 0.9,
          detector: 'test-det',
          read: read(t, c)
        }))
      }
    ],
    tracks: []
  }
}

function commit(f: FileResult): number {
  const jobId = lib.imports.createJob([f.folder], { fps: 0 }, [{ path: f.path, root: f.folder }])
  const item = lib.imports.pendingItems(jobId, 0, 1)[0]
  return lib.imports.commitFile(item.id, f).mediaId
}

afterAll(stopTestCluster)

describe.each(stores)('library on $name', (store) => {
  beforeEach(async () => {
    target = await store.fresh()
    dir = store.name === 'sqlite' ? dirname(target) : ''
    lib = openLibrary(target)
    commit(imageFile('a.jpg', '/photos/2024', [['B21GSB', 0.95], ['CJ10ABC', 0.4]], '2024-05-01T10:00:00.000Z'))
    commit(imageFile('b.jpg', '/photos/2024', [['B123XYZ', 0.7]], '2024-06-01T10:00:00.000Z'))
    commit(imageFile('c.jpg', '/other', [['IS99ZZZ', 0.99]]))
  })
  afterEach(() => {
    lib.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const ids = (l: Library, filter = {}) => l.reader.listPlates(filter, 'confidence', 0, 100).items.map((p) => p.text)

  // SQLite-only: the native binding, WAL, PRAGMAs, sqlite_master and file paths are SQLite's
  describe.skipIf(store.name !== 'sqlite')('openLibrary (SQLite file)', () => {
    it('loads better-sqlite3 from PLATEDESK_SQLITE_BINDING when set (the Electron build of npm start)', () => {
      process.env.PLATEDESK_SQLITE_BINDING = join(dir, 'missing', 'better_sqlite3.node')
      try {
        expect(() => openLibrary(join(dir, 'other.db'))).toThrow(/cannot open library .*other\.db/)
      } finally {
        delete process.env.PLATEDESK_SQLITE_BINDING
      }
      expect(openLibrary(join(dir, 'other.db')).reader.stats().media).toBe(0)
    })

    it('applies every migration once, in WAL mode with foreign keys on', () => {
      const max = Math.max(...migrations.map((m) => m.version))
      expect(lib.version).toBe(max)
      expect((lib.db as SqliteDb).pragma('journal_mode', { simple: true })).toBe('wal')
      expect((lib.db as SqliteDb).pragma('foreign_keys', { simple: true })).toBe(1)
      lib.close()
      lib = openLibrary(join(dir, 'lib.db')) // re-open: nothing re-applied, data kept
      expect(lib.version).toBe(max)
      expect(lib.reader.stats().plates).toBe(4)
      expect(lib.integrityCheck().ok).toBe(true)
      const ro = openLibrary(join(dir, 'lib.db'), { readonly: true })
      expect(ro.reader.stats().media).toBe(3)
      expect(() => ro.writer.confirm(1, 'x')).toThrow(/readonly/i)
      ro.close()
    })

    it('applies a migration numbered below one already applied (two owners number in two ranges)', () => {
      const file = join(dir, 'late.db')
      const real = [...migrations]
      const v3 = real.find((m) => m.version === 3)!
      try {
        migrations.splice(0, migrations.length, ...real.filter((m) => m !== v3), { version: 999, name: 'test-high', sql: 'CREATE TABLE test_high (x)' })
        openLibrary(file).close()
      } finally {
        migrations.splice(0, migrations.length, ...real)
      }
      const l = openLibrary(file)
      const idx = l.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'plates_confidence'`).get()
      expect(idx).toBeDefined()
      const versions = (l.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version)
      expect(versions).toEqual([...real.map((m) => m.version), 999].sort((a, b) => a - b))
      expect(l.version).toBe(999)
      l.close()
    })

    it('refuses a file that is not a library when read-only', () => {
      expect(() => openLibrary(join(dir, 'missing.db'), { readonly: true })).toThrow(/missing\.db/)
    })
  })

  describe.skipIf(store.name !== 'postgres')('openLibrary (server)', () => {
    it('applies every migration once; re-opens with the data kept; read-only refuses writes', () => {
      const max = Math.max(...migrations.map((m) => m.version))
      expect(lib.version).toBe(max)
      expect(lib.dialect).toBe('postgres')
      lib.close()
      lib = openLibrary(target)
      expect(lib.version).toBe(max)
      expect(lib.reader.stats().plates).toBe(4)
      expect(lib.integrityCheck()).toEqual({ ok: true, integrity: ['ok'], foreignKeys: [] })
      const ro = openLibrary(target, { readonly: true })
      expect(ro.reader.stats().media).toBe(3)
      expect(() => ro.writer.confirm(1, 'x')).toThrow(/read-only transaction/)
      ro.close()
      const versions = (lib.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version)
      expect(versions).toEqual(migrations.map((m) => m.version).sort((a, b) => a - b))
    })

    it('explicit ids (a push, a restore) then syncIdSequences: generated ids continue after them', () => {
      const frame = lib.db.prepare('SELECT media_id, frame_id FROM plates ORDER BY id LIMIT 1').get() as { media_id: number; frame_id: number }
      lib.db.prepare("INSERT INTO plates (id, media_id, frame_id, x1, y1, x2, y2, text, confidence) VALUES (1000, ?, ?, 1, 1, 9, 9, 'X', 1)").run(frame.media_id, frame.frame_id)
      syncIdSequences(lib.db, ['plates', 'history'])
      const added = lib.writer.add(frame.media_id, 0, { x1: 20, y1: 20, x2: 90, y2: 40 }, 'AB12', 'ana')
      expect(added.id).toBe(1001)
      expect(lib.writer.confirm(1000, 'ana').reviewState).toBe('confirmed')
    })

    it("another process's migration under prepared statements: reads and write transactions go on", () => {
      const a = lib.reader.listPlates({}, 'confidence', 0, 1).items[0].id
      lib.writer.confirm(a, 'ana')
      expect(lib.reader.listHistory(a, 0, 10).total).toBe(1) // SELECT * FROM history, prepared now
      const other = openLibrary(target)
      other.db.exec('ALTER TABLE history ADD COLUMN extra TEXT; ALTER TABLE plates ADD COLUMN extra TEXT')
      other.close()
      expect(lib.reader.listHistory(a, 0, 10).items[0].action).toBe('confirm') // outside a transaction
      expect(lib.writer.undo(undefined, 'ana').plateIds).toEqual([a]) // SELECT * inside a write transaction
    })

    it('a lost connection (server restart, terminated session) is replaced on the next call', () => {
      const pid = () => (lib.db.prepare('SELECT pg_backend_pid() AS pid').get() as { pid: number }).pid
      const kill = (p: number): void => {
        const other = openLibrary(target)
        expect(other.db.prepare('SELECT pg_terminate_backend(?, 5000) AS ok').get(p)).toEqual({ ok: 1 })
        other.close()
      }
      const first = pid()
      kill(first)
      expect(lib.reader.stats().plates).toBe(4) // a read outside a transaction
      const second = pid()
      expect(second).not.toBe(first)
      kill(second)
      const id = lib.reader.listPlates({}, 'confidence', 0, 1).items[0].id
      expect(lib.writer.confirm(id, 'ana').reviewState).toBe('confirmed') // (the read above reconnected)
      kill(pid())
      expect(lib.writer.reject(id, 'ana').reviewState).toBe('rejected') // a write transaction first
    })

    it('refuses a database that holds other tables, leaving it unchanged', async () => {
      const url = await store.fresh()
      const raw = new PgDb(url)
      raw.exec('CREATE TABLE recipes (id INTEGER PRIMARY KEY, title TEXT)')
      raw.close()
      expect(() => openLibrary(url)).toThrow(/is not a PlateDesk library \(it has the tables recipes\); it was left unchanged/)
      const after = new PgDb(url)
      expect(after.prepare(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema()`).all()).toEqual([{ t: 'recipes' }])
      after.close()
    })

    it('never shows the password of the URL in an error', () => {
      const u = new URL(target)
      u.password = 's3cret-pw'
      u.port = '1'
      expect(() => openLibrary(u.toString())).toThrow(/cannot connect to server library postgres:\/\/platedesk:\*\*\*@127\.0\.0\.1:1\//)
      try {
        openLibrary(u.toString())
      } catch (err) {
        expect(String((err as Error).message)).not.toContain('s3cret')
      }
    })
  })

  describe('plate queue', () => {
    it('sorts by confidence and filters by state, confidence, region, folder, date, media and text', () => {
      expect(ids(lib)).toEqual(['CJ10ABC', 'B123XYZ', 'B21GSB', 'IS99ZZZ'])
      expect(ids(lib, { maxConfidence: 0.8 })).toEqual(['CJ10ABC', 'B123XYZ'])
      expect(ids(lib, { minConfidence: 0.9 })).toEqual(['B21GSB', 'IS99ZZZ'])
      expect(ids(lib, { folder: '/photos' })).toEqual(['CJ10ABC', 'B123XYZ', 'B21GSB'])
      expect(ids(lib, { folder: '/other' })).toEqual(['IS99ZZZ'])
      expect(ids(lib, { folder: '/photos/' })).toHaveLength(3)
      // the folder filter is a substring of the folder path (not of the file name), any case
      expect(ids(lib, { folder: 'photos/20' })).toHaveLength(3)
      expect(ids(lib, { folder: 'PHOTOS' })).toHaveLength(3)
      expect(ids(lib, { folder: 'b.jpg' })).toEqual([])
      expect(ids(lib, { dateFrom: '2024-05-15', dateTo: '2024-06-01' })).toEqual(['B123XYZ'])
      expect(ids(lib, { dateTo: '2024-05-01' })).toEqual(['CJ10ABC', 'B21GSB'])
      expect(ids(lib, { text: 'B*' })).toEqual(['CJ10ABC', 'B123XYZ', 'B21GSB']) // substring: B anywhere
      expect(ids(lib, { text: 'b?1*' })).toEqual(['B21GSB'])
      expect(ids(lib, { text: '10a' })).toEqual(['CJ10ABC'])
      expect(ids(lib, { text: '*Z' })).toEqual(['B123XYZ', 'IS99ZZZ'])
      expect(ids(lib, { region: 'ro' })).toHaveLength(4)
      expect(ids(lib, { region: 'md' })).toHaveLength(0)
      const page = lib.reader.listPlates({}, 'confidence', 1, 2)
      expect(page.total).toBe(4)
      expect(page.items.map((p) => p.text)).toEqual(['B123XYZ', 'B21GSB'])
      const media = lib.reader.listMedia('/photos', 0, 10)
      expect(media.total).toBe(2)
      expect(media.items[0].plates).toBe(2)
      // the queue queries walk an index in the requested order (no sort of the whole table); SQLite's plans
      if (store.name !== 'sqlite') return
      const plan = (filter: PlateFilter, order: string) => {
        const { where, params } = plateWhere(filter)
        const sql = `EXPLAIN QUERY PLAN SELECT p.id FROM plates p JOIN media m ON m.id = p.media_id JOIN frames f ON f.id = p.frame_id ${where} ORDER BY ${order} LIMIT 10`
        return (lib.db.prepare(sql).all(...params) as { detail: string }[]).map((p) => p.detail).join(' | ')
      }
      expect(plan({ state: 'unreviewed' }, 'p.confidence ASC, p.id ASC')).toMatch(/USING INDEX plates_queue/)
      expect(plan({ state: 'unreviewed', maxConfidence: 0.5 }, 'p.confidence ASC, p.id ASC')).toMatch(/USING INDEX plates_queue/)
      expect(plan({}, 'p.confidence ASC, p.id ASC')).not.toMatch(/TEMP B-TREE/)
      expect(plan({}, 'p.updated_at DESC, p.id DESC')).not.toMatch(/TEMP B-TREE/)
    })
  })

  describe('review operations', () => {
    const plateId = (text: string) => lib.reader.listPlates({ text }, 'confidence', 0, 1).items[0].id

    it('confirm / correct / reject / setBox write history with old and new values', () => {
      const a = plateId('B21GSB')
      const c = lib.writer.confirm(a, 'ana')
      expect(c.reviewState).toBe('confirmed')
      const b = plateId('CJ10ABC')
      const cor = lib.writer.correct(b, 'cj 10 abd', 'ana')
      expect(cor.text).toBe('CJ10ABD')
      expect(cor.reviewState).toBe('corrected')
      expect(cor.modelText).toBe('CJ10ABC')
      const r = lib.writer.reject(plateId('IS99ZZZ'), 'dan')
      expect(r.reviewState).toBe('rejected')
      const bx = lib.writer.setBox(a, { x1: 50, y1: 60, x2: 5, y2: 6 }, 'ana')
      expect(bx.box).toEqual({ x1: 5, y1: 6, x2: 50, y2: 60 })

      const detail = lib.reader.getPlateDetail(b)!
      expect(detail.charConfidences).toHaveLength(7)
      expect(detail.detectorScore).toBeCloseTo(0.9)
      expect(detail.history).toHaveLength(1)
      expect(detail.history[0]).toMatchObject({
        action: 'correct',
        by: 'ana',
        oldValue: { text: 'CJ10ABC', reviewState: 'unreviewed' },
        newValue: { text: 'CJ10ABD', reviewState: 'corrected' }
      })
      const hist = lib.reader.listHistory(undefined, 0, 10)
      expect(hist.total).toBe(4)
      expect(hist.items.map((h) => h.action)).toEqual(['box', 'reject', 'correct', 'confirm'])
      expect(lib.reader.stats().reviewed).toBe(3)
      expect(ids(lib, { state: 'reviewed' })).toHaveLength(3)
      expect(ids(lib, { state: 'unreviewed' })).toEqual(['B123XYZ'])
      expect(() => lib.writer.confirm(9999, 'x')).toThrow(expect.objectContaining({ code: 'not-found' }))
    })

    it('undo restores the old values, marks undone_by, and walks back newest first', () => {
      const a = plateId('B21GSB')
      lib.writer.confirm(a, 'ana')
      lib.writer.correct(a, 'B21GSX', 'ana')
      const u1 = lib.writer.undo(undefined, 'ana')
      expect(u1).toEqual({ undone: 1, plateIds: [a] })
      let p = lib.reader.getPlate(a)!
      expect(p.text).toBe('B21GSB')
      expect(p.reviewState).toBe('confirmed')
      lib.writer.undo(undefined, 'ana')
      p = lib.reader.getPlate(a)!
      expect(p.reviewState).toBe('unreviewed')
      expect(p.reviewedAt).toBeNull()
      const h = lib.reader.listHistory(a, 0, 10).items
      expect(h.map((e) => e.action)).toEqual(['undo', 'undo', 'correct', 'confirm'])
      expect(h[2].undoneBy).toBe(h[1].id)
      expect(h[3].undoneBy).toBe(h[0].id)
      expect(lib.writer.undo(undefined, 'ana')).toEqual({ undone: 0, plateIds: [] })
      expect(() => lib.writer.undo(h[2].id, 'ana')).toThrow(expect.objectContaining({ code: 'conflict' }))
      // undoing an undo entry re-applies the change (redo)
      lib.writer.undo(h[0].id, 'ana')
      expect(lib.reader.getPlate(a)!.reviewState).toBe('confirmed')
    })

    it('refuses to undo an entry whose plate changed since (conflict), leaving data intact', () => {
      const a = plateId('B21GSB')
      lib.writer.confirm(a, 'ana')
      const first = lib.reader.listHistory(a, 0, 1).items[0]
      lib.writer.correct(a, 'B21GSX', 'bob')
      expect(() => lib.writer.undo(first.id, 'ana')).toThrow(expect.objectContaining({ code: 'conflict' }))
      expect(lib.reader.getPlate(a)!.text).toBe('B21GSX')
    })

    it('bulkConfirm confirms matching unreviewed plates as one batch, and undo reverts the whole batch', () => {
      lib.writer.reject(plateId('IS99ZZZ'), 'ana')
      const res = lib.writer.bulkConfirm({ folder: '/photos' }, 0.6, 'ana')
      expect(res.count).toBe(2) // B21GSB 0.95, B123XYZ 0.7; CJ10ABC 0.4 below
      expect(ids(lib, { state: 'confirmed' }).sort()).toEqual(['B123XYZ', 'B21GSB'])
      const batch = lib.reader.historyBatch(res.batchId)
      expect(batch.map((e) => e.action)).toEqual(['bulk-confirm', 'bulk-confirm'])
      // undo by any entry of the batch undoes all of it
      const u = lib.writer.undo(batch[1].id, 'ana')
      expect(u.undone).toBe(2)
      expect(ids(lib, { state: 'confirmed' })).toEqual([])
      expect(ids(lib, { state: 'rejected' })).toEqual(['IS99ZZZ'])
      expect(lib.reader.historyBatch(res.batchId).every((e) => e.undoneBy != null)).toBe(true)
    })

    it('undoing a batch skips plates changed since; ctrl+z order then reaches them once they match again', () => {
      const res = lib.writer.bulkConfirm({ folder: '/photos' }, 0.6, 'ana') // B21GSB, B123XYZ
      const b = plateId('B123XYZ')
      lib.writer.reject(b, 'bob')
      const first = lib.reader.historyBatch(res.batchId)[0]
      const u = lib.writer.undo(first.id, 'ana')
      expect(u).toEqual({ undone: 1, plateIds: [plateId('B21GSB')] })
      expect(lib.reader.getPlate(b)!.reviewState).toBe('rejected')
      // newest first: the reject, then what is left of the batch
      expect(lib.writer.undo(undefined, 'ana').plateIds).toEqual([b])
      expect(lib.reader.getPlate(b)!.reviewState).toBe('confirmed')
      expect(lib.writer.undo(undefined, 'ana').plateIds).toEqual([b])
      expect(lib.reader.getPlate(b)!.reviewState).toBe('unreviewed')
      expect(lib.writer.undo(undefined, 'ana').undone).toBe(0)
    })

    it('add creates a manual plate; undo of add rejects it and is itself undoable', () => {
      const mediaId = lib.reader.listMedia('/other', 0, 1).items[0].id
      const added = lib.writer.add(mediaId, 0, { x1: 10, y1: 10, x2: 90, y2: 40 }, 'ab 12 cde', 'ana')
      expect(added).toMatchObject({ text: 'AB12CDE', reviewState: 'manual', modelText: null, trackId: null, frameIdx: 0 })
      expect(lib.reader.getPlateDetail(added.id)!.history[0].action).toBe('add')
      const u = lib.writer.undo(undefined, 'ana')
      expect(u.plateIds).toEqual([added.id])
      expect(lib.reader.getPlate(added.id)!.reviewState).toBe('rejected')
      const undoEntry = lib.reader.listHistory(added.id, 0, 1).items[0]
      lib.writer.undo(undoEntry.id, 'ana')
      expect(lib.reader.getPlate(added.id)!.reviewState).toBe('manual')
      expect(() => lib.writer.add(mediaId, 5, { x1: 1, y1: 1, x2: 9, y2: 9 }, 'X', 'ana')).toThrow(
        expect.objectContaining({ code: 'not-found' })
      )
      expect(() => lib.writer.add(mediaId, 0, { x1: 1, y1: 1, x2: 1, y2: 9 }, 'X', 'ana')).toThrow(
        expect.objectContaining({ code: 'invalid-request' })
      )
    })

    it('default settings name models that the manifest knows, with the right task', () => {
      const manifest = JSON.parse(readFileSync(join(__dirname, '../../models/manifest.json'), 'utf8')) as { models: { id: string; task: string }[] }
      const task = (id: string) => manifest.models.find((m) => m.id === id)?.task
      expect(task(DEFAULT_SETTINGS.detectorId)).toBe('detector')
      // 'a+b' = a backed up by b: every part must be a recognizer
      const parts = DEFAULT_SETTINGS.recognizerId.split('+')
      expect(parts.length).toBeGreaterThan(0)
      for (const id of parts) expect(task(id)).toBe('recognizer')
    })

    it('settings round-trip over defaults', () => {
      expect(lib.reader.settings().theme).toBe('system')
      const s = lib.writer.setSettings({ theme: 'dark', videoFps: 2 })
      expect(s.theme).toBe('dark')
      expect(s.videoFps).toBe(2)
      lib.close()
      lib = openLibrary(target)
      expect(lib.reader.settings()).toMatchObject({ theme: 'dark', videoFps: 2 })
    })
  })
})
