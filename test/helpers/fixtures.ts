// Readers for the romania-dashcam fixtures: VOC boxes per image and the plates.tsv text labels.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { Box } from '../../src/shared/types'

export interface LabelledPlate {
  /** absolute image path */
  image: string
  box: Box
  text: string
  legibility: 'clear' | 'unsure' | 'illegible'
}

export function readPlatesTsv(fixtureDir: string): LabelledPlate[] {
  const lines = readFileSync(join(fixtureDir, 'plates.tsv'), 'utf8').trim().split('\n').slice(1)
  return lines.map((l) => {
    const [image, x1, y1, x2, y2, text, legibility] = l.split('\t')
    return {
      image: join(fixtureDir, image!),
      box: { x1: Number(x1), y1: Number(y1), x2: Number(x2), y2: Number(y2) },
      text: text ?? '',
      legibility: (legibility ?? 'clear') as LabelledPlate['legibility']
    }
  })
}

/** image path → VOC boxes, for every xml in annotations/ */
export function readVocBoxes(fixtureDir: string): Map<string, Box[]> {
  const out = new Map<string, Box[]>()
  const dir = join(fixtureDir, 'annotations')
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.xml')).sort()) {
    const xml = readFileSync(join(dir, f), 'utf8')
    const num = (tag: string, s: string) => Number(new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(s)![1])
    const boxes = [...xml.matchAll(/<bndbox>([\s\S]*?)<\/bndbox>/g)].map((m) => ({
      x1: num('xmin', m[1]!),
      y1: num('ymin', m[1]!),
      x2: num('xmax', m[1]!),
      y2: num('ymax', m[1]!)
    }))
    out.set(join(fixtureDir, 'images', basename(f, '.xml') + '.jpg'), boxes)
  }
  return out
}

/** Greedy one-to-one matching of detections (highest score first) to labelled boxes at IoU >= 0.5. */
export function matchDetections(boxes: Box[], dets: { box: Box; score: number }[], iou: (a: Box, b: Box) => number): { tp: number; fp: number } {
  let tp = 0
  let fp = 0
  const used = new Set<number>()
  for (const d of [...dets].sort((a, b) => b.score - a.score)) {
    const j = boxes.findIndex((g, i) => !used.has(i) && iou(g, d.box) >= 0.5)
    if (j >= 0) {
      used.add(j)
      tp++
    } else fp++
  }
  return { tp, fp }
}

/**
 * n distinct copies of the photos in imagesDir, written to dir (bytes appended after the JPEG's end:
 * other content, same picture), named v000-<photo> ... in order.
 */
export function photoVariants(imagesDir: string, dir: string, n: number): string[] {
  mkdirSync(dir, { recursive: true })
  const photos = readdirSync(imagesDir).filter((f) => f.endsWith('.jpg')).sort()
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const src = photos[i % photos.length]!
    const p = join(dir, `v${String(i).padStart(3, '0')}-${src}`)
    writeFileSync(p, Buffer.concat([readFileSync(join(imagesDir, src)), Buffer.from(`variant ${i}`)]))
    out.push(p)
  }
  return out
}
