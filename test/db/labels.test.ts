// Labels you can trust, on real SQLite files and a real PostgreSQL server (helpers/stores.ts): migration 004 (the 'illegible' decision) rebuilds plates and
// history without losing a row, an index or a foreign key; illegible plates; Unicode plate text that is
// never stripped or cut; one search syntax with literal _ and %; case-insensitive region, folder by
// substring; the history list with texts, filters and redo.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openLibrary, type Library, type SqliteDb } from '../../src/main/db/index'
import { stores, stopTestCluster, type Store } from '../helpers/stores'
import { migrations } from '../../src/main/db/migrations/index'
import { requests } from '../../src/shared/api'
import { charsOutside, normalizePlateText } from '../../src/shared/plate-text'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'platedesk-labels-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

afterAll(stopTestCluster)

/** a library (SQLite file or server) with one image and plates (text, confidence, region) inserted with plain SQL */
function inserted(lib: Library, plates: [string, number, string | null][], path: string): { lib: Library; ids: number[] } {
  const id = (r: unknown) => (r as { id: number }).id
  const m = id(lib.db.prepare("INSERT INTO media (path, folder, sha256, kind, size, width, height, status) VALUES (?, ?, ?, 'image', 1, 1000, 800, 'done') RETURNING id").get(path, '/data', path))
  const f = id(lib.db.prepare('INSERT INTO frames (media_id, idx, width, height) VALUES (?, 0, 1000, 800) RETURNING id').get(m))
  const ins = lib.db.prepare("INSERT INTO plates (media_id, frame_id, x1, y1, x2, y2, text, model_text, confidence, region) VALUES (?, ?, ?, 10, ?, 40, ?, ?, ?, ?) RETURNING id")
  const ids = plates.map(([text, conf, region], i) => id(ins.get(m, f, i * 60, i * 60 + 50, text, text, conf, region)))
  return { lib, ids }
}

function library(file: string, plates: [string, number, string | null][], path = '/data/cam-A/2024/img.jpg'): { lib: Library; ids: number[] } {
  return inserted(openLibrary(file), plates, path)
}

// SQLite-only: the table rebuild from a v3 file (PostgreSQL alters the CHECK in place; 004's pg text)
describe('migration 004 (illegible)', () => {
  it('rebuilds plates and history on a v3 library: every row, id, index and foreign key kept, illegible allowed', () => {
    const file = join(dir, 'v3.db')
    const real = [...migrations]
    let before: { indexes: string[]; plates: unknown[]; history: unknown[] }
    try {
      // 005 (plate corners) is independent of 004 and the writer below needs its column; 004 keeps it
      migrations.splice(0, migrations.length, ...real.filter((m) => m.version <= 3 || m.version === 5))
      const { lib, ids } = library(file, [['B21GSB', 0.9, 'ro'], ['CJ10ABC', 0.4, null]])
      expect(lib.version).toBe(5)
      // another owner's index and trigger on plates must survive the rebuild
      lib.db.exec(`CREATE INDEX plates_other_owner ON plates (reviewed_by)`)
      lib.db.exec(`CREATE TABLE audit (n INTEGER); INSERT INTO audit VALUES (0);
        CREATE TRIGGER plates_audit AFTER UPDATE ON plates BEGIN UPDATE audit SET n = n + 1; END;
        CREATE TRIGGER media_touches_plates AFTER UPDATE OF size ON media BEGIN UPDATE plates SET updated_at = 'touched' WHERE media_id = NEW.id; END;`)
      lib.writer.confirm(ids[0], 'ana')
      lib.writer.correct(ids[1], 'CJ10ABD', 'ana')
      expect(() => lib.db.prepare("UPDATE plates SET review_state = 'illegible' WHERE id = ?").run(ids[1])).toThrow(/CHECK/)
      before = {
        indexes: (lib.db.prepare("SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name IN ('plates', 'history') ORDER BY name").all() as { name: string }[]).map((r) => r.name),
        plates: lib.db.prepare('SELECT * FROM plates ORDER BY id').all(),
        history: lib.db.prepare('SELECT * FROM history ORDER BY id').all()
      }
      expect(before.history).toHaveLength(2)
      lib.close()
    } finally {
      migrations.splice(0, migrations.length, ...real)
    }
    const lib = openLibrary(file)
    try {
      expect(lib.version).toBeGreaterThanOrEqual(4)
      expect((lib.db as SqliteDb).pragma('foreign_keys', { simple: true })).toBe(1)
      const indexes = (lib.db.prepare("SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name IN ('plates', 'history') ORDER BY name").all() as { name: string }[]).map((r) => r.name)
      expect(indexes).toEqual(before!.indexes)
      expect(indexes).toContain('plates_other_owner')
      expect(lib.db.prepare('SELECT * FROM plates ORDER BY id').all()).toEqual(before!.plates)
      expect(lib.db.prepare('SELECT * FROM history ORDER BY id').all()).toEqual(before!.history) // not cascaded away
      // foreign keys still point at plates: deleting a plate cascades to its history
      const fk = (lib.db as SqliteDb).pragma('foreign_key_list(history)') as { table: string; on_delete: string }[]
      expect(fk.find((k) => k.table === 'plates')?.on_delete).toBe('CASCADE')
      expect(lib.integrityCheck().ok).toBe(true)
      const id = (before!.plates[1] as { id: number }).id
      const n0 = (lib.db.prepare('SELECT n FROM audit').get() as { n: number }).n
      expect(lib.writer.illegible(id, 'ana')).toMatchObject({ reviewState: 'illegible', text: '' })
      expect((lib.db.prepare('SELECT n FROM audit').get() as { n: number }).n).toBe(n0 + 1) // the trigger still fires
      // a trigger of another table that writes plates survived the rebuild and still reaches the new table
      lib.db.prepare('UPDATE media SET size = 2').run()
      expect(lib.db.prepare("SELECT COUNT(*) AS n FROM plates WHERE updated_at = 'touched'").get()).toEqual({ n: 2 })
      lib.db.prepare('DELETE FROM plates WHERE id = ?').run(id)
      expect(lib.db.prepare('SELECT COUNT(*) AS n FROM history WHERE plate_id = ?').get(id)).toEqual({ n: 0 })
    } finally {
      lib.close()
    }
  })
})

/** a fresh library on `store` with plates */
async function storeLibrary(store: Store, plates: [string, number, string | null][], path = '/data/cam-A/2024/img.jpg'): Promise<{ lib: Library; ids: number[] }> {
  return inserted(openLibrary(await store.fresh()), plates, path)
}

describe.each(stores)('on $name', (store) => {
  describe('illegible plates', () => {
    it('keeps the box, clears the text, logs the decision; undo gives the text back, redo takes it again', async () => {
      const { lib, ids } = await storeLibrary(store, [['B21GSB', 0.3, null]])
      const id = ids[0]
      expect(lib.writer.illegible(id, 'ana')).toMatchObject({ reviewState: 'illegible', text: '', box: { x1: 0, y1: 10, x2: 50, y2: 40 } })
      const h = lib.reader.historyItems({ plateId: id }).items[0]
      expect(h).toMatchObject({ action: 'illegible', textBefore: 'B21GSB', textAfter: '', by: 'ana' })
      const undo = lib.writer.undo(undefined, 'ana')
      expect(undo.plateIds).toEqual([id])
      expect(lib.reader.getPlate(id)).toMatchObject({ reviewState: 'unreviewed', text: 'B21GSB' })
      const undoEntry = lib.reader.historyItems({ action: 'undo' }).items[0]
      lib.writer.undo(undoEntry.id, 'ana') // redo
      expect(lib.reader.getPlate(id)).toMatchObject({ reviewState: 'illegible', text: '' })
      lib.close()
    })

    it('a plate without text cannot be confirmed or corrected to nothing: it is illegible, or typed', async () => {
      const { lib, ids } = await storeLibrary(store, [['', 0.2, null]])
      expect(() => lib.writer.confirm(ids[0], 'ana')).toThrow(/illegible/)
      expect(() => lib.writer.correct(ids[0], '  ', 'ana')).toThrow(/illegible/)
      expect(lib.writer.bulkConfirm({}, 0, 'ana').count).toBe(0)
      const media = lib.reader.getPlate(ids[0])!.mediaId
      const box = { x1: 500, y1: 500, x2: 580, y2: 530 }
      expect(lib.writer.add(media, 0, box, '', 'ana', true)).toMatchObject({ reviewState: 'illegible', text: '' })
      expect(() => lib.writer.add(media, 0, box, '', 'ana')).toThrow(/illegible/)
      expect(() => lib.writer.add(media, 0, box, 'B1', 'ana', true)).toThrow(/no text/)
      lib.close()
    })
  })

  describe('Unicode plate text', () => {
    it('normalises case and spaces only: Cyrillic, ß and long pastes survive whole', async () => {
      expect(normalizePlateText('в75 мсу')).toBe('В75МСУ')
      expect(normalizePlateText('straße')).toBe('STRAßE')
      expect(normalizePlateText('\u00a0b 123\tx')).toBe('B123X')
      expect(normalizePlateText('e\u0301')).toBe('É') // NFC
      const long = 'abcdefghijklmnopqrstuvwxyz'
      expect(requests['plates.correct'].parse({ id: 1, text: long }).text).toBe(long.toUpperCase())
      expect(requests['plates.add'].parse({ mediaId: 1, box: { x1: 0, y1: 0, x2: 9, y2: 9 }, text: 'в75мсу' }).text).toBe('В75МСУ')
      expect(() => requests['plates.correct'].parse({ id: 1, text: 'A'.repeat(65) })).toThrow(/longer than 64/)
      expect(charsOutside('В75МСУ', '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ')).toEqual(['В', 'М', 'С', 'У'])
    })

    it('stores what was typed', async () => {
      const { lib, ids } = await storeLibrary(store, [['B75MCY', 0.3, null], ['X', 0.3, null]])
      expect(lib.writer.correct(ids[0], 'в75мсу', 'ana')).toMatchObject({ text: 'В75МСУ', reviewState: 'corrected' })
      expect(lib.writer.correct(ids[1], 'ß1', 'ana').text).toBe('ß1')
      lib.close()
    })
  })

  describe('one search syntax', () => {
    const texts = (lib: Library, filter: object): string[] => lib.reader.listPlates(filter, 'confidence', 0, 100).items.map((p) => p.text).sort()

    it('substring by default, * and ? anywhere in it, _ and % literal, any case in any script', async () => {
      const { lib } = await storeLibrary(store, [
        ['XB21Y', 0.1, null],
        ['2101AB', 0.2, null],
        ['A_B1', 0.3, null],
        ['AXB1', 0.4, null],
        ['50%OFF', 0.5, null],
        ['В75МСУ', 0.6, null]
      ])
      expect(texts(lib, { text: 'b21' })).toEqual(['XB21Y'])
      expect(texts(lib, { text: '1?1' })).toEqual(['2101AB']) // within the text, not the whole text
      expect(texts(lib, { text: 'a_b' })).toEqual(['A_B1']) // not a wildcard
      expect(texts(lib, { text: 'a?b' })).toEqual(['AXB1', 'A_B1'])
      expect(texts(lib, { text: '%' })).toEqual(['50%OFF'])
      expect(texts(lib, { text: '0*f' })).toEqual(['50%OFF'])
      expect(texts(lib, { text: 'в75м' })).toEqual(['В75МСУ'])
      lib.close()
    })

    it('region is case-insensitive (Unicode too); folder is any part of the folder path', async () => {
      const { lib } = await storeLibrary(store, [['B1', 0.1, 'Romania'], ['B2', 0.2, 'ÖSTERREICH'], ['B3', 0.3, null]])
      expect(texts(lib, { region: 'romania' })).toEqual(['B1'])
      expect(texts(lib, { region: 'österreich' })).toEqual(['B2'])
      expect(texts(lib, { folder: 'cam-a' })).toEqual(['B1', 'B2', 'B3'])
      expect(texts(lib, { folder: 'cam-A/2024' })).toEqual(['B1', 'B2', 'B3'])
      expect(texts(lib, { folder: 'img.jpg' })).toEqual([]) // the file name is not a folder
      expect(texts(lib, { folder: 'cam-B' })).toEqual([])
      expect(texts(lib, { folder: 'cam_A' })).toEqual([]) // _ is literal here too
      lib.close()
    })
  })

  describe('history list', () => {
    it('every row names the text before and after; filters by plate, action and date', async () => {
      const { lib, ids } = await storeLibrary(store, [['B21GSB', 0.9, null], ['CJ10ABC', 0.4, null], ['IS99ZZZ', 0.5, null]])
      lib.writer.confirm(ids[0], 'ana')
      lib.writer.correct(ids[1], 'CJ10ABD', 'bob')
      lib.writer.reject(ids[2], 'ana')
      const all = lib.reader.historyItems()
      expect(all.total).toBe(3)
      expect(all.items.map((h) => [h.action, h.textBefore, h.textAfter, h.by])).toEqual([
        ['reject', 'IS99ZZZ', 'IS99ZZZ', 'ana'],
        ['correct', 'CJ10ABC', 'CJ10ABD', 'bob'],
        ['confirm', 'B21GSB', 'B21GSB', 'ana']
      ])
      expect(all.items[2]).toMatchObject({ plateId: ids[0], frameIdx: 0, box: { x1: 0, y1: 10, x2: 50, y2: 40 }, plateText: 'B21GSB', plateState: 'confirmed' })
      expect(lib.reader.historyItems({ action: 'correct' }).items.map((h) => h.plateId)).toEqual([ids[1]])
      expect(lib.reader.historyItems({ plateText: 'cj10' }).items.map((h) => h.plateId)).toEqual([ids[1]])
      expect(lib.reader.historyItems({ plateText: 'ABC' }).total).toBe(1) // a text it had before the change
      expect(lib.reader.historyItems({ plateId: ids[2] }).total).toBe(1)
      const today = new Date().toISOString().slice(0, 10)
      expect(lib.reader.historyItems({ dateFrom: today, dateTo: today }).total).toBe(3)
      expect(lib.reader.historyItems({ dateTo: '2000-01-01' }).total).toBe(0)
      lib.close()
    })
  })
})
