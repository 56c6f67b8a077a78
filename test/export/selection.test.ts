// Which plates an export takes: reviewed ones; unreviewed ones only above the threshold, and not when
// they lie on a reviewed plate (the model's box beside an imported label would be a duplicate box).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLibrary, type Library } from '../../src/main/db/index'
import { runExport } from '../../src/main/export/index'

describe('export selection', () => {
  let dir: string
  let lib: Library
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-select-'))
    const file = join(dir, 'a.jpg')
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#777' } }).jpeg().toFile(file)
    lib = openLibrary(join(dir, 'lib.db'))
    const m = Number(lib.db.prepare("INSERT INTO media (path, folder, sha256, kind, size, width, height, status) VALUES (?, ?, 's', 'image', 1, 640, 480, 'done')").run(file, dir).lastInsertRowid)
    const f = Number(lib.db.prepare('INSERT INTO frames (media_id, idx, width, height) VALUES (?, 0, 640, 480)').run(m).lastInsertRowid)
    const add = lib.db.prepare('INSERT INTO plates (media_id, frame_id, x1, y1, x2, y2, text, confidence, review_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    add.run(m, f, 100, 100, 200, 130, 'MAN01', 1, 'manual')
    add.run(m, f, 102, 101, 201, 131, 'MAN0I', 0.97, 'unreviewed') // the model's read of the same plate
    add.run(m, f, 300, 100, 400, 130, 'FAR02', 0.95, 'unreviewed')
    add.run(m, f, 300, 300, 400, 330, 'LOW03', 0.2, 'unreviewed')
    add.run(m, f, 500, 300, 600, 330, 'REJ04', 0.99, 'rejected')
  })
  afterAll(() => {
    lib?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const texts = async (outName: string, includeUnreviewedAbove?: number): Promise<string[]> => {
    await runExport(lib.db, { format: 'coco', outDir: join(dir, outName), includeUnreviewedAbove })
    const coco = JSON.parse(readFileSync(join(dir, outName, 'annotations.json'), 'utf8')) as { annotations: { attributes: { text: string } }[] }
    return coco.annotations.map((a) => a.attributes.text).sort()
  }

  it('reviewed only by default; above the threshold adds unreviewed plates, minus those on a reviewed plate', async () => {
    expect(await texts('default')).toEqual(['MAN01'])
    expect(await texts('above', 0.5)).toEqual(['FAR02', 'MAN01'])
    expect(await texts('all', 0)).toEqual(['FAR02', 'LOW03', 'MAN01'])
  })
})
