// Accuracy numbers behind the engine's defaults (not a test: prints, never asserts).
//   ALPR_MODELS_DIR=../shared/models npx tsx test/engine/measure-accuracy.ts [--pad 0.07,0.16] [--threshold 0.3] [--detector ID]
// Prints detector recall/precision (fixtures, and the 534-frame dashcam set when present), exact-plate
// accuracy on the 23 clear plates for v1, v2 and the default v2→v1 cascade, and how well the
// confidence ranks wrong readings (AUC).
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { iou } from '../../src/main/engine/detector'
import { Pipeline } from '../../src/main/engine/pipeline'
import { decodeImageFile } from '../../src/main/media/images'
import { readPlatesTsv, readVocBoxes } from '../helpers/fixtures'
import { SHARED_DIR, fixturesDir, modelsDir } from '../helpers/models'

const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const [padX, padY] = (arg('--pad') ?? '').split(',').map(Number)
const threshold = arg('--threshold') ? Number(arg('--threshold')) : undefined
if (!modelsDir() || !fixturesDir()) {
  console.error('needs the models and ../shared/fixtures')
  process.exit(1)
}
const FIX = fixturesDir()!

async function detection(dir: string, p: Pipeline): Promise<string> {
  let gt = 0
  let tp = 0
  let fp = 0
  for (const [image, boxes] of readVocBoxes(dir)) {
    const dets = await p.detector!.detect(await decodeImageFile(image), { threshold })
    const used = new Set<number>()
    for (const d of dets) {
      const j = boxes.findIndex((g, i) => !used.has(i) && iou(g, d.box) >= 0.5)
      if (j >= 0) used.add(j)
      j >= 0 ? tp++ : fp++
    }
    gt += boxes.length
  }
  return `recall ${(tp / gt).toFixed(3)} (${tp}/${gt}), precision ${(tp / (tp + fp)).toFixed(3)}`
}

// --detector yolo-v9-t-416-end2end: the upstream int8 detector instead of the default (re-quantised) one
const base = { threads: 1, detectionThreshold: threshold, padX: padX || undefined, padY: padY || undefined, detectorId: arg('--detector') }
const cascade = await Pipeline.create(base)
console.log(`detector on the fixtures: ${await detection(FIX, cascade)}`)
for (const split of ['valid', 'train']) {
  const d = join(SHARED_DIR, 'datasets', 'romania-dashcam-full', split)
  if (existsSync(join(d, 'annotations')) && readdirSync(join(d, 'annotations')).length) {
    console.log(`detector on ${split}: ${await detection(d, cascade)}`)
  }
}
const rows = readPlatesTsv(FIX).filter((r) => r.text)
for (const [name, p] of [
  ['v1', await Pipeline.create({ ...base, recognizerId: 'cct-xs-v1-global' })],
  ['v2', await Pipeline.create({ ...base, recognizerId: 'cct-xs-v2-global' })],
  ['v2→v1 cascade (default)', cascade]
] as const) {
  let clear = 0
  const scored: { c: number; ok: boolean }[] = []
  const misses: string[] = []
  for (const image of new Set(rows.map((r) => r.image))) {
    const res = await p.recognizeFile(image)
    for (const g of rows.filter((r) => r.image === image)) {
      const hit = res.plates.find((x) => iou(x.detection.box, g.box) >= 0.5)
      const ok = hit?.read?.text === g.text
      if (g.legibility === 'clear') {
        clear += Number(ok)
        if (!ok) misses.push(`${g.text}→${hit?.read?.text ?? '(no box)'}`)
      }
      if (hit?.read) scored.push({ c: hit.read.confidence, ok })
    }
  }
  const right = scored.filter((s) => s.ok)
  const wrong = scored.filter((s) => !s.ok)
  let above = 0
  for (const a of right) for (const b of wrong) above += a.c > b.c ? 1 : a.c === b.c ? 0.5 : 0
  const auc = wrong.length && right.length ? (above / (right.length * wrong.length)).toFixed(3) : 'n/a'
  console.log(`${name}: ${clear}/23 clear plates exact; confidence AUC ${auc} (${wrong.length} wrong of ${scored.length}); misses: ${misses.join(' ') || 'none'}`)
}
