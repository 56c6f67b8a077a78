// `python3 -m training.finetune`, end to end on the CPU: a 2-epoch fine-tune on a handful of crops
// lowers the loss, is reproducible for a seed, and exports a model that a manifest entry built from its
// config loads and that PlateDesk's recognizer reads crops with:
// - CCT v2 (ONNX import) on an OCR export (fast-plate-ocr CSV + crops/, the export's own split) of
//   synthetic plates the base misreads;
// - LPRNet (upstream .pth) on a folder of crops named by their text.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadManifest, sha256File, verifyModel, type ModelEntry } from '../../src/main/engine/models'
import { Recognizer } from '../../src/main/engine/recognizer'
import { decodeImageFile } from '../../src/main/media/images'
import { MODELS_SKIP_REASON, REPO_ROOT, SHARED_DIR, modelsDir, skipReason } from '../helpers/models'
import { PYTHON, torchMissing } from '../helpers/python'
import { renderPlate } from '../helpers/synth'

const models = modelsDir()
const LPR_CROPS = join(SHARED_DIR, 'datasets', 'lprnet-plates', 'crops')
const LPR_WEIGHTS = join(SHARED_DIR, 'models', 'upstream', 'lprnet', 'Final_LPRNet_model.pth')

interface Event {
  event: string
  [k: string]: unknown
}

/** Runs the CLI; returns its JSON lines (stdout must hold nothing else). */
function finetune(args: string[]): { code: number | null; events: Event[]; stderr: string } {
  const r = spawnSync(PYTHON, ['-m', 'training.finetune', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    // one thread: the result must not depend on the machine's core count, and the machine is shared
    env: { ...process.env, OMP_NUM_THREADS: '1' },
    timeout: 120_000
  })
  const events = r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Event)
  return { code: r.status, events, stderr: r.stderr }
}

/** A manifest with one entry for the exported model, as `models add` would write it; loaded back. */
async function manifestEntry(dir: string, id: string, done: Event): Promise<ModelEntry> {
  const file = 'model.onnx'
  const entry = {
    id,
    task: 'recognizer',
    file,
    sha256: await sha256File(join(dir, file)),
    size: readFileSync(join(dir, file)).length,
    ...(done.entry as object),
    license: 'MIT'
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: 1, models: [entry] }))
  const m = loadManifest(join(dir, 'manifest.json')).models[0]!
  expect((await verifyModel(m, { modelsDir: dir })).state).toBe('ok')
  return m
}

const wholeImage = (img: { width: number; height: number }) => [{ x1: 0, y1: 0, x2: img.width, y2: img.height }]

describe.skipIf(skipReason(!models && MODELS_SKIP_REASON, torchMissing()))('training.finetune', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'pd-finetune-'))
  const texts = ['CJ07XYZ', 'B123XYZ', 'MH09PQR', 'TM42KLM', 'IF82EVA', 'SB90TZI', 'AG15RST', 'BV33NOP']
  const exportDir = join(tmp, 'export')
  beforeAll(async () => {
    // an OCR export as `platedesk export --format ocr` writes it: crops/, labels.csv, train/val/test.csv
    mkdirSync(join(exportDir, 'crops'), { recursive: true })
    const rows: string[] = []
    for (const [i, text] of texts.entries()) {
      const img = await renderPlate({ text, font: i % 2 ? 'DejaVu Serif' : 'DejaVu Sans Mono', euBand: true, blur: 1.4, rotate: i - 4, shear: 0.1, finalWidth: 80 })
      const rel = `crops/p${i + 1}_f0.jpg`
      await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality: 95 }).toFile(join(exportDir, rel))
      rows.push(`${rel},${text}\n`)
    }
    const header = 'image_path,plate_text\n'
    writeFileSync(join(exportDir, 'labels.csv'), header + rows.join(''))
    writeFileSync(join(exportDir, 'train.csv'), header + rows.slice(0, 6).join(''))
    writeFileSync(join(exportDir, 'val.csv'), header + rows.slice(6).join(''))
    writeFileSync(join(exportDir, 'test.csv'), header)
  })
  afterAll(() => rmSync(tmp, { recursive: true, force: true }))

  it('CCT v2: 2 CPU epochs lower the loss, reproducibly; the export loads from a manifest entry and reads crops', async () => {
    const base = join(models!, 'cct_xs_v2_global.onnx')
    const args = (out: string) => ['--data', exportDir, '--arch', 'cct', '--base', base, '--out', out, '--epochs', '2', '--seed', '7', '--device', 'cpu', '--batch', '3', '--lr', '1e-3', '--no-augment']
    const a = finetune(args(join(tmp, 'cct-a')))
    expect(a.code, a.stderr).toBe(0)
    const [start, e1, e2, done] = a.events
    expect(start).toMatchObject({ event: 'start', arch: 'cct', device: 'cpu', train: 6, val: 2, split: expect.stringContaining('train.csv') })
    expect(e1).toMatchObject({ event: 'epoch', epoch: 1, epochs: 2 })
    expect(e2).toMatchObject({ event: 'epoch', epoch: 2, epochs: 2 })
    console.log(`CCT fine-tune loss: epoch 1 ${(e1!.loss as number).toFixed(4)}, epoch 2 ${(e2!.loss as number).toFixed(4)}`)
    expect(e2!.loss as number).toBeLessThan(e1!.loss as number)
    expect(done).toMatchObject({ event: 'done', model: join(tmp, 'cct-a', 'model.onnx'), config: join(tmp, 'cct-a', 'plate_config.yaml') })
    // the config is the base's plate_config.yaml
    expect(readFileSync(done!.config as string, 'utf8')).toBe(readFileSync(join(models!, 'cct_xs_v2_global_plate_config.yaml'), 'utf8'))

    // the same seed gives the same losses and the same file
    const b = finetune(args(join(tmp, 'cct-b')))
    expect(b.code, b.stderr).toBe(0)
    expect(b.events.filter((e) => e.event === 'epoch').map((e) => e.loss)).toEqual([e1!.loss, e2!.loss])
    expect(await sha256File(join(tmp, 'cct-b', 'model.onnx'))).toBe(await sha256File(join(tmp, 'cct-a', 'model.onnx')))

    // PlateDesk loads it like any model: a manifest entry, verified, read by the Recognizer
    const entry = await manifestEntry(join(tmp, 'cct-a'), 'cct-tuned', done!)
    const tuned = await ort.InferenceSession.create(join(tmp, 'cct-a', 'model.onnx'), { intraOpNumThreads: 1 })
    const orig = await ort.InferenceSession.create(base, { intraOpNumThreads: 1 })
    // the base's inputs and outputs, unchanged
    expect(tuned.inputNames).toEqual(orig.inputNames)
    expect(tuned.outputNames).toEqual(orig.outputNames)
    const rec = new Recognizer(ort, tuned, entry)
    const baseRec = new Recognizer(ort, orig, { ...entry, id: 'base' })
    const img = await decodeImageFile(join(exportDir, 'crops', 'p1_f0.jpg'))
    const batch = rec.prepare(img, wholeImage(img), { padX: 0, padY: 0 })
    const [read] = await rec.read(batch, 1, 3)
    expect(read!.modelId).toBe('cct-tuned')
    expect(read!.text).toMatch(/^[0-9A-Z]{1,10}$/)
    expect(read!.region).toBeTruthy()
    // its weights are the trained ones, not the base's
    const [pt] = await rec.runBatch(batch, 1)
    const [pb] = await baseRec.runBatch(batch, 1)
    let diff = 0
    for (let i = 0; i < pt!.probs.length; i++) diff = Math.max(diff, Math.abs(pt!.probs[i]! - pb!.probs[i]!))
    expect(diff).toBeGreaterThan(1e-3)
    await tuned.release()
    await orig.release()
  }, 120_000)

  const noLpr = !existsSync(LPR_WEIGHTS) ? `upstream LPRNet weights not found (${LPR_WEIGHTS})` : !existsSync(LPR_CROPS) && `LPRNet crops not found (${LPR_CROPS})`
  it.skipIf(skipReason(noLpr))(
    'LPRNet from the upstream .pth: 2 CPU epochs lower the loss; the CTC export loads from its model.json and reads a crop',
    async () => {
      const crops = join(tmp, 'lpr-crops')
      mkdirSync(crops)
      const names = ['京PL3N67.jpg', '川JK0707.jpg', '沪AMS087.jpg', '皖A06S56.jpg', '浙D335DZ.jpg', '皖A25575.jpg']
      for (const n of names) copyFileSync(join(LPR_CROPS, n), join(crops, n))
      const out = join(tmp, 'lpr')
      const r = finetune(['--data', crops, '--arch', 'lprnet', '--base', LPR_WEIGHTS, '--out', out, '--epochs', '2', '--seed', '1', '--device', 'cpu', '--holdout', '0', '--batch', '3', '--lr', '1e-3', '--no-augment'])
      expect(r.code, r.stderr).toBe(0)
      const [start, e1, e2, done] = r.events
      expect(start).toMatchObject({ event: 'start', arch: 'lprnet', train: 6, val: 0, baseValAccuracy: null })
      console.log(`LPRNet fine-tune loss: epoch 1 ${(e1!.loss as number).toFixed(4)}, epoch 2 ${(e2!.loss as number).toFixed(4)}`)
      expect(e2!.loss as number).toBeLessThan(e1!.loss as number)
      expect(done).toMatchObject({ event: 'done', config: join(out, 'model.json'), valAccuracy: null })
      // the config holds the manifest fields of the shipped LPRNet
      const cfg = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'))
      const shipped = JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'manifest.json'), 'utf8')).models.find((m: ModelEntry) => m.id === 'lprnet-china')
      expect(cfg).toEqual({ input: shipped.input, output: shipped.output, alphabet: shipped.alphabet, blank: shipped.blank })
      const entry = await manifestEntry(out, 'lprnet-tuned', done!)
      const session = await ort.InferenceSession.create(join(out, 'model.onnx'), { intraOpNumThreads: 1 })
      expect(session.inputNames).toEqual(['input'])
      expect(session.outputNames).toEqual(['logits'])
      const rec = new Recognizer(ort, session, entry)
      expect(rec.kind).toBe('ctc')
      const img = await decodeImageFile(join(crops, names[0]!))
      const [read] = await rec.recognize(img, wholeImage(img), { padX: 0, padY: 0, topN: 0 })
      expect(read!.modelId).toBe('lprnet-tuned')
      // a crop it trained on, from a base that already reads it: still read right
      expect(read!.text).toBe('京PL3N67')
      await session.release()
    },
    120_000
  )

  it('bad input: an error event naming the file and the cause, exit status 1', () => {
    // one run (each pays for importing torch): a CSV that is not a fast-plate-ocr list
    const badCsv = join(tmp, 'bad.csv')
    writeFileSync(badCsv, 'file,text\na.jpg,B12ABC\n')
    const r = finetune(['--data', badCsv, '--arch', 'cct', '--base', join(models!, 'cct_xs_v2_global.onnx'), '--out', join(tmp, 'x'), '--epochs', '1'])
    expect(r.code).toBe(1)
    expect(r.events).toEqual([{ event: 'error', message: `${badCsv}: not a fast-plate-ocr CSV (header must have image_path,plate_text; got file,text)` }])
  })
})
