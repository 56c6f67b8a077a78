// The plate text model in the library (Unicode, shared/plate-text.ts) with a row break for two-row plates.
// Corrections through the API contract (zod) and the writer keep both rows; the stored text is
// "TOP\nBOTTOM", read back the same, and a correction typed as "TOP/BOTTOM" in Review is that text.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { requests } from '../../src/shared/api'
import { plateForInput, plateFromInput } from '../../src/shared/plate-text'
import { openLibrary } from '../../src/main/db/index'
import type { FileResult } from '../../src/main/db/imports'
import { stores, stopTestCluster } from '../helpers/stores'

const dir = mkdtempSync(join(tmpdir(), 'platedesk-rows-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
afterAll(stopTestCluster)

// on a library file and on a server library
describe.each(stores)('plate text rows ($name)', (store) => {
  it('the API keeps rows and any script; the writer stores them; Review edits them as ROW1/ROW2', async () => {
    const parse = (text: string) => requests['plates.correct'].parse({ id: 1, text }).text
    expect(parse('abc/1d23')).toBe('ABC\n1D23')
    expect(parse('ABC\n1D23')).toBe('ABC\n1D23')
    expect(parse('皖a 12345')).toBe('皖A12345')
    expect(parse('mü ab 12')).toBe('MÜAB12')

    const lib = openLibrary(store.name === 'sqlite' ? join(dir, 'lib.db') : await store.fresh())
    const newId = (r: unknown) => (r as { id: number }).id
    try {
      const mediaId = newId(lib.db.prepare("INSERT INTO media (path, folder, sha256, kind, size, width, height, status) VALUES ('/m.jpg', '/', 'aa', 'image', 1, 640, 480, 'done') RETURNING id").get())
      const frameId = newId(lib.db.prepare('INSERT INTO frames (media_id, idx, width, height) VALUES (?, 0, 640, 480) RETURNING id').get(mediaId))
      const id = newId(
        lib.db
          .prepare("INSERT INTO plates (media_id, frame_id, x1, y1, x2, y2, text, model_text, confidence) VALUES (?, ?, 10, 10, 60, 50, 'ABC1D23', 'ABC1D23', 0.8) RETURNING id")
          .get(mediaId, frameId)
      )
      const row = lib.writer.correct(id, parse('ABC / 1D23'), 'me')
      expect(row.text).toBe('ABC\n1D23')
      expect(row.reviewState).toBe('corrected') // the model read the characters, not the layout
      expect(lib.reader.getPlate(id)!.text).toBe('ABC\n1D23')
      expect(plateForInput(row.text)).toBe('ABC/1D23')
      expect(plateFromInput(plateForInput(row.text))).toBe(row.text)
      const added = lib.writer.add(mediaId, 0, { x1: 100, y1: 100, x2: 160, y2: 150 }, '京 a/12345', 'me')
      expect(added.text).toBe('京A\n12345')
      // search finds a two-row plate by its characters in reading order, and letters of any script
      const found = (text: string) => lib.reader.listPlates({ state: 'all', text }, 'media', 0, 10).items.map((r) => r.text)
      expect(found('C1D')).toEqual(['ABC\n1D23'])
      expect(found('京A1')).toEqual(['京A\n12345'])
      expect(found('ABC*')).toEqual(['ABC\n1D23'])

      // corners: set (the box follows), a 'box' history entry, undo restores both, invalid input is refused
      const parsed = requests['plates.setCorners'].parse({ id, corners: [[12, 8], [62, 12], [60, 52], [11, 48]] })
      const moved = lib.writer.setCorners(id, parsed.corners as never, 'me')
      expect(moved.corners).toEqual([[12, 8], [62, 12], [60, 52], [11, 48]])
      expect(moved.box).toEqual({ x1: 11, y1: 8, x2: 62, y2: 52 })
      const h = lib.reader.listHistory(id).items[0]!
      expect(h.action).toBe('box')
      expect(h.oldValue).toEqual({ corners: null, box: { x1: 10, y1: 10, x2: 60, y2: 50 } })
      lib.writer.undo(undefined, 'me')
      expect(lib.reader.getPlate(id)).toMatchObject({ corners: null, box: { x1: 10, y1: 10, x2: 60, y2: 50 } })
      expect(() => requests['plates.setCorners'].parse({ id, corners: [[1, 2], [3, 4], [5, 6]] })).toThrow()
      expect(() => lib.writer.setCorners(id, [[1, 2], [3, 4], [5, 6], [Number.NaN, 1]] as never, 'me')).toThrow(/finite numbers/)
    } finally {
      lib.close()
    }
  })

  it('corners a detector gives are stored with the imported plate (ImportStore.commitFile)', async () => {
    const lib = openLibrary(store.name === 'sqlite' ? join(dir, 'import.db') : await store.fresh())
    try {
      const read = { text: 'B21GSB', confidence: 0.9, charConfidences: [], candidates: [], region: null, regionConfidence: null, modelId: 'm' }
      const corners: [[number, number], [number, number], [number, number], [number, number]] = [[562, 414], [649, 413], [649, 436], [562, 437]]
      const f: FileResult = {
        path: '/x/a.jpg', folder: '/x', size: 1, mtimeMs: 1, sha256: 'sha-a', kind: 'image', width: 1280, height: 720, durationS: null, fps: null,
        capturedAt: null, gpsLat: null, gpsLon: null, status: 'done', error: null, tracks: [],
        frames: [{ idx: 0, timeS: null, width: 1280, height: 720, detections: [
          { box: { x1: 562, y1: 413, x2: 649, y2: 437 }, score: 0.9, detector: 'd', read, corners },
          { box: { x1: 100, y1: 400, x2: 180, y2: 420 }, score: 0.8, detector: 'd', read: { ...read, text: 'B40JFC' } }
        ] }]
      }
      const jobId = lib.imports.createJob([f.folder], { fps: 0 }, [{ path: f.path, root: f.folder }])
      lib.imports.commitFile(lib.imports.pendingItems(jobId, 0, 1)[0]!.id, f)
      const rows = lib.reader.listPlates({ state: 'all' }, 'media', 0, 10).items
      expect(rows.map((r) => [r.text, r.corners])).toEqual(expect.arrayContaining([['B21GSB', corners], ['B40JFC', null]]))
    } finally {
      lib.close()
    }
  })
})
