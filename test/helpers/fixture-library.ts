// A library holding the romania-dashcam fixture plates (real images, their labelled boxes and texts as the
// reads, confidences spread over 0.3..0.99), committed through the importer's own commit
// (ImportStore.commitFile): a real review queue without running the models.
import { statSync } from 'node:fs'
import { dirname } from 'node:path'
import sharp from 'sharp'
import type { Library } from '../../src/main/db/index'
import { blankFileResult } from '../../src/main/db/imports'
import { readPlatesTsv } from './fixtures'
import { plateRead } from './reads'

/** commits every fixture image with its labelled plates; answers the number of plates. Another `copy`
 *  commits them again as other media (another content hash), for a longer queue. */
export async function fillWithFixturePlates(lib: Library, fixtureDir: string, copy = 0): Promise<number> {
  const plates = readPlatesTsv(fixtureDir).filter((p) => p.text)
  const byImage = new Map<string, typeof plates>()
  for (const p of plates) byImage.set(p.image, [...(byImage.get(p.image) ?? []), p])
  let n = 0
  for (const [image, ps] of byImage) {
    const meta = await sharp(image).metadata()
    const f = blankFileResult({
      path: image,
      folder: dirname(image),
      size: statSync(image).size,
      mtimeMs: statSync(image).mtimeMs,
      sha256: `fixture-${copy}-${image}`,
      kind: 'image',
      width: meta.width!,
      height: meta.height!,
      frames: [
        {
          idx: 0,
          timeS: null,
          width: meta.width!,
          height: meta.height!,
          detections: ps.map((p) => ({ box: p.box, score: 0.9, detector: 'fixture', read: plateRead(p.text, 0.3 + ((n++ * 37) % 70) / 100) }))
        }
      ]
    })
    const jobId = lib.imports.createJob([f.folder], { fps: 0 }, [{ path: f.path, root: f.folder }])
    const item = lib.imports.pendingItems(jobId, 0, 1)[0]!
    lib.imports.commitFile(item.id, f)
  }
  return n
}
