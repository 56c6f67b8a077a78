// Ground-truth import (`platedesk import-labels`): labelled sets in each format become reviewed plates with
// history, re-import changes nothing, a model plate under a label is confirmed/corrected, bad label files
// are named without stopping the batch, and labels survive a VOC export round trip.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importGroundTruth } from '../../src/main/db/ground-truth-writer'
import { openLibrary } from '../../src/main/db/index'
import { runExport } from '../../src/main/export/index'
import { FIXTURES_SKIP_REASON, REPO_ROOT, fixturesDir, skipReason } from '../helpers/models'
import { readPlatesTsv } from './fixture-library'

const FIX = fixturesDir()
const cli = (args: string[]) =>
  promisify(execFile)(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), ...args], { encoding: 'utf8' }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr })
  )

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON))('import-labels', () => {
  let tmp: string
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'platedesk-labels-'))
  })
  afterAll(() => rmSync(tmp, { recursive: true, force: true }))

  it('VOC (the fixtures: annotations/ beside images/, plates.tsv text) through the CLI; a re-import adds nothing', async () => {
    const db = join(tmp, 'voc.db')
    const r = await cli(['import-labels', '--db', db, '--format', 'voc', FIX!, '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ images: 24, mediaAdded: 24, platesAdded: 31, platesUpdated: 0, failures: [] })
    const lib = openLibrary(db)
    try {
      const media = lib.db.prepare('SELECT path, sha256, size, width, height, kind, status FROM media').all() as { path: string; sha256: string; size: number; width: number; height: number; kind: string; status: string }[]
      expect(media).toHaveLength(24)
      const m0 = media[0]
      const bytes = readFileSync(m0.path)
      expect(m0.sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
      expect([m0.size, m0.width, m0.height, m0.kind, m0.status]).toEqual([bytes.length, 1280, 720, 'image', 'done'])
      const states = lib.db.prepare('SELECT review_state AS s, COUNT(*) AS n FROM plates GROUP BY review_state ORDER BY s').all()
      expect(states).toEqual([
        { s: 'confirmed', n: 30 },
        { s: 'manual', n: 1 }
      ])
      const hist = lib.db.prepare("SELECT COUNT(*) AS n FROM history WHERE action = 'add' AND by = 'import'").get() as { n: number }
      expect(hist.n).toBe(31)
      // every tsv plate is there with its text and box
      for (const t of readPlatesTsv(FIX!)) {
        const p = lib.db
          .prepare('SELECT p.text, p.x1, p.y2 FROM plates p JOIN media m ON m.id = p.media_id WHERE m.path = ? AND abs(p.x1 - ?) < 0.2 AND abs(p.y1 - ?) < 0.2')
          .get(join(FIX!, t.image), t.box.x1, t.box.y1) as { text: string; x1: number; y2: number } | undefined
        expect(p, `${t.image} ${t.text}`).toBeDefined()
        expect(p!.text).toBe(t.text)
      }
    } finally {
      lib.close()
    }
    const again = await cli(['import-labels', '--db', db, '--format', 'voc', FIX!, '--json'])
    expect(JSON.parse(again.stdout)).toMatchObject({ images: 24, mediaAdded: 0, platesAdded: 0, platesSkipped: 31 })
  })

  it('labels survive import → VOC export: every exported box equals the original annotation', async () => {
    const lib = openLibrary(join(tmp, 'voc.db'))
    try {
      const out = join(tmp, 'voc-out')
      const res = await runExport(lib.db, { format: 'voc', outDir: out })
      expect(res.failures).toEqual([])
      expect(res.images).toBe(24)
      for (const x of readdirSync(join(out, 'Annotations'))) {
        const xml = readFileSync(join(out, 'Annotations', x), 'utf8')
        const orig = readFileSync(join(FIX!, 'annotations', basename(x).replace(/_m\d+\.xml$/, '.xml')), 'utf8')
        const boxes = (s: string) =>
          [...s.matchAll(/<xmin>([^<]+)<\/xmin>\s*<ymin>([^<]+)<\/ymin>\s*<xmax>([^<]+)<\/xmax>\s*<ymax>([^<]+)<\/ymax>/g)]
            .map((m) => m.slice(1, 5).map(Number))
            .sort((a, b) => a[0] - b[0])
        const a = boxes(xml)
        const e = boxes(orig)
        expect(a.length).toBe(e.length)
        a.forEach((bx, i) => bx.forEach((v, k) => expect(Math.abs(v - e[i][k])).toBeLessThanOrEqual(0.01)))
      }
    } finally {
      lib.close()
    }
  })

  it('OpenALPR txt and YOLO txt; a model plate under a label is corrected; a bad label file is named and skipped', async () => {
    const src = join(FIX!, 'images')
    const alpr = join(tmp, 'alpr')
    mkdirSync(alpr)
    copyFileSync(join(src, 'dayride_type1_001_t1055.jpg'), join(alpr, 'a.jpg'))
    writeFileSync(join(alpr, 'a.txt'), 'a.jpg\t562\t413\t87\t23\tB21GSB\na.jpg\t113\t400\t80\t20\tB40JFC\n')
    copyFileSync(join(src, 'dayride_type1_001_t1094.jpg'), join(alpr, 'b.jpg'))
    writeFileSync(join(alpr, 'b.txt'), 'b.jpg\t1\tnot-a-number\t3\t4\tX\n')
    const db = join(tmp, 'mixed.db')

    // a library that already holds a.jpg with an unreviewed model plate over B21GSB, read wrong
    const lib = openLibrary(db)
    try {
      const sha = createHash('sha256').update(readFileSync(join(alpr, 'a.jpg'))).digest('hex')
      const mediaId = Number(
        lib.db.prepare("INSERT INTO media (path, folder, sha256, kind, size, width, height, status) VALUES (?, ?, ?, 'image', 1, 1280, 720, 'done')").run('/old/a.jpg', '/old', sha).lastInsertRowid
      )
      const frameId = Number(lib.db.prepare('INSERT INTO frames (media_id, idx, width, height) VALUES (?, 0, 1280, 720)').run(mediaId).lastInsertRowid)
      lib.db
        .prepare("INSERT INTO plates (media_id, frame_id, x1, y1, x2, y2, text, model_text, confidence, review_state) VALUES (?, ?, 560, 412, 650, 437, 'B21GS8', 'B21GS8', 0.6, 'unreviewed')")
        .run(mediaId, frameId)
      const r = await importGroundTruth(lib.db, alpr, { format: 'openalpr' })
      expect(r).toMatchObject({ images: 1, mediaAdded: 0, platesAdded: 1, platesUpdated: 1 })
      expect(r.failures).toHaveLength(1)
      expect(r.failures[0].path).toBe(join(alpr, 'b.jpg'))
      expect(r.failures[0].error).toMatch(/b\.txt:1: y is not a number/)
      const rows = lib.db.prepare('SELECT text, model_text AS model, review_state AS state, x1, y1, x2, y2 FROM plates ORDER BY id').all()
      expect(rows).toEqual([
        { text: 'B21GSB', model: 'B21GS8', state: 'corrected', x1: 562, y1: 413, x2: 649, y2: 436 },
        { text: 'B40JFC', model: null, state: 'confirmed', x1: 113, y1: 400, x2: 193, y2: 420 }
      ])
      const h = lib.db.prepare('SELECT action, by, old_value AS o, new_value AS n FROM history ORDER BY id').all() as { action: string; by: string; o: string | null; n: string }[]
      expect(h.map((x) => [x.action, x.by])).toEqual([
        ['correct', 'import'],
        ['add', 'import']
      ])
      expect(JSON.parse(h[0].o!)).toMatchObject({ text: 'B21GS8', reviewState: 'unreviewed' })
      expect(JSON.parse(h[0].n)).toMatchObject({ text: 'B21GSB', reviewState: 'corrected' })
      // the new path of the known media is recorded
      expect(lib.db.prepare('SELECT COUNT(*) AS n FROM media_paths WHERE path = ?').get(join(alpr, 'a.jpg'))).toEqual({ n: 1 })
    } finally {
      lib.close()
    }

    const yolo = join(tmp, 'yolo')
    mkdirSync(join(yolo, 'images'), { recursive: true })
    mkdirSync(join(yolo, 'labels'), { recursive: true })
    copyFileSync(join(src, 'dayride_type1_001_t1198.jpg'), join(yolo, 'images', 'c.jpg'))
    writeFileSync(join(yolo, 'labels', 'c.txt'), '0 0.5 0.5 0.1 0.05\n0 0.25 0.75 0.05 0.025\n')
    const r = await cli(['import-labels', '--db', db, '--format', 'yolo', yolo])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/imported 1 labelled images \(1 new media\): 2 plates added/)
    const lib2 = openLibrary(db)
    try {
      const rows = lib2.db.prepare("SELECT x1, y1, x2, y2, review_state AS s, text FROM plates WHERE review_state = 'manual' ORDER BY x1").all() as { x1: number; y1: number; x2: number; y2: number; s: string; text: string }[]
      expect(rows).toHaveLength(2)
      expect(rows[1].x1).toBeCloseTo(576, 6)
      expect(rows[1].y2).toBeCloseTo(378, 6)
      expect(rows[0].text).toBe('')
    } finally {
      lib2.close()
    }
    const bad = await cli(['import-labels', '--db', db, '--format', 'xml', yolo])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--format must be one of openalpr, yolo, voc/)
  })
})
