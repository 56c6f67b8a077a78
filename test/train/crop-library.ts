// A real library of plate crops for the training tests: each crop of the LPRNet dataset (named by its
// text) is a media whose one plate covers the whole image, confirmed with its file name as the text
// (what `import --crops` + `import-labels --format crops` produce; plain SQL stands in for the engine).
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import sharp from 'sharp'
import { openLibrary, type Library } from '../../src/main/db/index'
import { SHARED_DIR } from '../helpers/models'

export const LPRNET_CROPS = join(SHARED_DIR, 'datasets', 'lprnet-plates', 'crops')
export const CROPS_SKIP_REASON = `crops not found: ${LPRNET_CROPS} is absent`
export const cropsDir = (): string | null => (existsSync(LPRNET_CROPS) ? LPRNET_CROPS : null)

export async function cropLibrary(dbPath: string, count: number): Promise<{ lib: Library; texts: Map<number, string> }> {
  const lib = openLibrary(dbPath)
  const texts = new Map<number, string>()
  const files = readdirSync(LPRNET_CROPS).filter((f) => /\.jpe?g$/i.test(f)).sort().slice(0, count)
  for (const f of files) {
    const path = join(LPRNET_CROPS, f)
    const { width, height } = await sharp(path).metadata()
    const sha = createHash('sha256').update(readFileSync(path)).digest('hex')
    const db = lib.db
    const m = Number(
      db.prepare("INSERT INTO media (path, folder, sha256, kind, size, width, height, status) VALUES (?, ?, ?, 'image', 0, ?, ?, 'done')").run(path, LPRNET_CROPS, sha, width, height).lastInsertRowid
    )
    const fr = Number(db.prepare('INSERT INTO frames (media_id, idx, width, height) VALUES (?, 0, ?, ?)').run(m, width, height).lastInsertRowid)
    const text = basename(f, extname(f))
    const id = Number(
      db.prepare('INSERT INTO plates (media_id, frame_id, x1, y1, x2, y2, text, model_text, confidence) VALUES (?, ?, 0, 0, ?, ?, ?, ?, 0.9)').run(m, fr, width, height, text, text).lastInsertRowid
    )
    lib.writer.confirm(id, 'test')
    texts.set(id, text)
  }
  return { lib, texts }
}
