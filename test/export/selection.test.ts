// Which plates and images an export takes: reviewed plates (illegible ones too: a plate without text);
// unreviewed ones only above the threshold, and not when they lie on a reviewed plate (the model's box
// beside an imported label would be a duplicate box). A detection export takes an image only when every
// plate on it is decided, and says how many it left out.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLibrary, type Library } from '../../src/main/db/index'
import { runExport } from '../../src/main/export/index'
import { stores, stopTestCluster } from '../helpers/stores'

afterAll(stopTestCluster)

describe.each(stores)('export selection ($name)', (store) => {
  let dir: string
  let lib: Library
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-select-'))
    lib = openLibrary(store.name === 'sqlite' ? join(dir, 'lib.db') : await store.fresh())
    const id = (r: unknown) => (r as { id: number }).id
    const add = lib.db.prepare('INSERT INTO plates (media_id, frame_id, x1, y1, x2, y2, text, confidence, review_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    const image = async (name: string): Promise<[number, number]> => {
      const file = join(dir, name)
      await sharp({ create: { width: 640, height: 480, channels: 3, background: '#777' } }).jpeg().toFile(file)
      const m = id(lib.db.prepare("INSERT INTO media (path, folder, sha256, kind, size, width, height, status) VALUES (?, ?, ?, 'image', 1, 640, 480, 'done') RETURNING id").get(file, dir, name))
      const f = id(lib.db.prepare('INSERT INTO frames (media_id, idx, width, height) VALUES (?, 0, 640, 480) RETURNING id').get(m))
      return [m, f]
    }
    // a: every plate decided (the unreviewed box lies on the hand-drawn one: a duplicate, not a plate)
    const [a, af] = await image('a.jpg')
    add.run(a, af, 100, 100, 200, 130, 'MAN01', 1, 'manual')
    add.run(a, af, 102, 101, 201, 131, 'MAN0I', 0.97, 'unreviewed') // the model's read of the same plate
    add.run(a, af, 500, 300, 600, 330, 'REJ04', 0.99, 'rejected')
    add.run(a, af, 300, 300, 400, 330, '', 0.5, 'illegible')
    // b: partly reviewed
    const [b, bf] = await image('b.jpg')
    add.run(b, bf, 20, 20, 120, 50, 'CON05', 0.9, 'confirmed')
    add.run(b, bf, 300, 100, 400, 130, 'FAR02', 0.95, 'unreviewed')
    add.run(b, bf, 300, 300, 400, 330, 'LOW03', 0.2, 'unreviewed')
    // c: nothing reviewed
    const [c, cf] = await image('c.jpg')
    add.run(c, cf, 20, 20, 120, 50, 'UNR06', 0.6, 'unreviewed')
  })
  afterAll(() => {
    lib?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const coco = async (outName: string, includeUnreviewedAbove?: number) => {
    const res = await runExport(lib.db, { format: 'coco', outDir: join(dir, outName), includeUnreviewedAbove })
    const json = JSON.parse(readFileSync(join(dir, outName, 'annotations.json'), 'utf8')) as { annotations: { attributes: { text: string; review_state: string } }[] }
    return { texts: json.annotations.map((a) => a.attributes.text || `(${a.attributes.review_state})`).sort(), leftOut: res.leftOut }
  }

  it('reviewed only by default, and only images whose every plate is decided', async () => {
    expect(await coco('default')).toEqual({ texts: ['(illegible)', 'MAN01'], leftOut: { partlyReviewed: 1, unreviewed: 1 } })
  })

  it('above the threshold: unreviewed plates become labels; an image with one below it is still left out', async () => {
    expect(await coco('above', 0.5)).toEqual({ texts: ['(illegible)', 'MAN01', 'UNR06'], leftOut: { partlyReviewed: 1, unreviewed: 0 } })
    expect(await coco('all', 0)).toEqual({ texts: ['(illegible)', 'CON05', 'FAR02', 'LOW03', 'MAN01', 'UNR06'], leftOut: { partlyReviewed: 0, unreviewed: 0 } })
  })

  it('OCR crops never hold an illegible plate; they do not need the whole image decided', async () => {
    await runExport(lib.db, { format: 'ocr', outDir: join(dir, 'ocr') })
    const rows = readFileSync(join(dir, 'ocr', 'labels.csv'), 'utf8').trim().split('\n').slice(1)
    expect(rows.map((r) => r.split(',')[1]).sort()).toEqual(['CON05', 'MAN01'])
  })
})
