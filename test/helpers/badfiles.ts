// Bad inputs for decoder / batch tests, all made on the fly in a temp dir.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface BadFiles {
  /** 0-byte file named .jpg */
  empty: string
  /** plain text named .jpg */
  text: string
  /** the first third of a real JPEG */
  truncated: string
  /** symlink to nowhere, named .jpg */
  dangling: string
  /** a directory named x.jpg */
  dirNamedJpg: string
}

/** Writes the bad files into `dir`; `jpegSource` is a real JPEG to truncate. */
export function makeBadFiles(dir: string, jpegSource: string | Buffer): BadFiles {
  mkdirSync(dir, { recursive: true })
  const jpeg = typeof jpegSource === 'string' ? readFileSync(jpegSource) : jpegSource
  const f: BadFiles = {
    empty: join(dir, 'empty.jpg'),
    text: join(dir, 'notes.jpg'),
    truncated: join(dir, 'truncated.jpg'),
    dangling: join(dir, 'dangling.jpg'),
    dirNamedJpg: join(dir, 'folder.jpg')
  }
  writeFileSync(f.empty, '')
  writeFileSync(f.text, 'this is a text file, not a photo\nsecond line\n')
  writeFileSync(f.truncated, jpeg.subarray(0, Math.floor(jpeg.length / 3)))
  symlinkSync(join(dir, 'does-not-exist.jpg'), f.dangling)
  mkdirSync(f.dirNamedJpg)
  return f
}
