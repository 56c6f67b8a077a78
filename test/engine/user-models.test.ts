// Models you bring (engine/model-import.ts): for each kind, add → listed → used for real inference →
// removed, and a broken or mismatched file refused with an error naming the file and the cause, nothing
// copied. The models are real: a copy of fast-plate-ocr's cct_xs_v1 with its plate_config.yaml, the
// bundled LPRNet with a JSON config, and the real end2end plate detector re-emitted as an Ultralytics raw
// head [1, 5, N] (test/helpers/make_yolo_raw.py, built here with /usr/bin/python3 + onnx).
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addUserModel, removeUserModel } from '../../src/main/engine/model-import'
import { getModel, loadManifest, useUserDataDir, userModelsDir, verifyModels } from '../../src/main/engine/models'
import { Pipeline } from '../../src/main/engine/pipeline'
import { iou } from '../../src/main/engine/detector'
import { decodeImageFile } from '../../src/main/media/images'
import { matchDetections, readVocBoxes } from '../helpers/fixtures'
import { FIXTURES_SKIP_REASON, MODELS_SKIP_REASON, REPO_ROOT, SHARED_DIR, fixturesDir, modelsDir, skipReason } from '../helpers/models'

const MODELS = modelsDir()
const FIX = fixturesDir()
const PYTHON = '/usr/bin/python3'
const CROPS = join(SHARED_DIR, 'datasets', 'lprnet-plates', 'crops')
const LPRNET = join(REPO_ROOT, 'models', 'lprnet_china.onnx')

function onnxMissing(): string | false {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`
  const r = spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' })
  return r.status === 0 ? false : `${PYTHON} cannot import onnx`
}

/** the model-entry fields of the bundled LPRNet, as a training script writes them next to its model */
function lprnetConfig(): Record<string, unknown> {
  const e = getModel('lprnet-china')
  return { input: e.input, output: e.output, alphabet: e.alphabet, blank: e.blank }
}

describe.skipIf(skipReason(!MODELS && MODELS_SKIP_REASON, !FIX && FIXTURES_SKIP_REASON, onnxMissing()))('models you bring', () => {
  let tmp: string
  let userData: string
  let yolo: string
  const files = (): string[] => (existsSync(userModelsDir(userData)) ? readdirSync(userModelsDir(userData)).sort() : [])

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'pd-usermodels-'))
    userData = join(tmp, 'userData')
    useUserDataDir(userData)
    yolo = join(tmp, 'plates-yolov9-raw.onnx')
    const r = spawnSync(PYTHON, [join(REPO_ROOT, 'test/helpers/make_yolo_raw.py'), join(MODELS!, 'yolo-v9-t-416-license-plates-end2end1.onnx'), yolo], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`make_yolo_raw.py failed: ${r.stderr}`)
  })
  afterAll(() => {
    useUserDataDir(undefined)
    rmSync(tmp, { recursive: true, force: true })
  })

  it('fast-plate-ocr: a mismatched plate_config.yaml is refused naming both files; the right one adds, reads like the built-in, removes', async () => {
    const onnx = join(tmp, 'my_cct.onnx')
    copyFileSync(join(MODELS!, 'cct_xs_v1_global.onnx'), onnx)
    const yaml = readFileSync(join(MODELS!, 'cct_xs_v1_global_plate_config.yaml'), 'utf8')
    const bad = join(tmp, 'wrong_plate_config.yaml')
    writeFileSync(bad, yaml.replace('max_plate_slots: 9', 'max_plate_slots: 10'))
    await expect(addUserModel(onnx, { config: bad, id: 'my-cct', userDataDir: userData })).rejects.toThrow(
      `${onnx}: output "Identity:0" is [1, 9, 37] (9 slots × 37 classes), but ${bad} says max_plate_slots 10 × alphabet of 37 characters: the config does not belong to this model`
    )
    writeFileSync(bad, yaml.replace("alphabet: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_'", "alphabet: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_'"))
    await expect(addUserModel(onnx, { config: bad, id: 'my-cct', userDataDir: userData })).rejects.toThrow(/alphabet of 38 characters: the config does not belong/)
    writeFileSync(bad, yaml.replace('img_width: 128', 'img_width: 140'))
    await expect(addUserModel(onnx, { config: bad, id: 'my-cct', userDataDir: userData })).rejects.toThrow(/input "input" is \[unk__424, 64, 128, 3\], but .*wrong_plate_config\.yaml \(img_height 64, img_width 140, rgb\) needs \[N, 64, 140, 3\]/)
    expect(files()).toEqual([]) // nothing copied, no manifest written

    const good = join(tmp, 'plate_config.yaml')
    writeFileSync(good, yaml)
    const added = await addUserModel(onnx, { config: good, id: 'my-cct', userDataDir: userData })
    expect(added.kind).toBe('fast-plate-ocr')
    expect(added.entry).toMatchObject({ id: 'my-cct', task: 'recognizer', user: true, slots: 9, padChar: '_', output: { layout: 'slots' }, input: { width: 128, height: 64, channels: 3, resize: 'stretch' } })
    expect(files()).toEqual(['manifest.json', 'my-cct.onnx'])
    expect(loadManifest().models.map((m) => m.id)).toContain('my-cct')
    expect((await verifyModels({ userDataDir: userData })).find((s) => s.id === 'my-cct')).toMatchObject({ state: 'ok', path: join(userModelsDir(userData), 'my-cct.onnx') })
    await expect(addUserModel(onnx, { config: good, id: 'my-cct', userDataDir: userData })).rejects.toThrow(/"my-cct" is already one of your models/)
    await expect(addUserModel(onnx, { config: good, id: 'cct-xs-v1-global', userDataDir: userData })).rejects.toThrow(/ships with PlateDesk/)

    // the same weights under a new id read every fixture plate exactly as the built-in model does
    const mine = await Pipeline.create({ threads: 1, recognizerId: 'my-cct', userDataDir: userData })
    const builtin = await Pipeline.create({ threads: 1, recognizerId: 'cct-xs-v1-global' })
    try {
      const images = readdirSync(join(FIX!, 'images')).sort().slice(0, 6)
      let plates = 0
      for (const f of images) {
        const a = await mine.recognizeFile(join(FIX!, 'images', f))
        const b = await builtin.recognizeFile(join(FIX!, 'images', f))
        expect(a.plates.map((p) => p.read?.text)).toEqual(b.plates.map((p) => p.read?.text))
        for (const p of a.plates) if (p.read) expect(p.read.modelId).toBe('my-cct')
        plates += a.plates.filter((p) => p.read?.text).length
      }
      expect(plates).toBeGreaterThanOrEqual(6)
    } finally {
      await Promise.all([mine.close(), builtin.close()])
    }

    await expect(removeUserModel('cct-xs-v1-global', { userDataDir: userData })).rejects.toThrow(/ships with PlateDesk and cannot be removed/)
    expect((await removeUserModel('my-cct', { userDataDir: userData })).id).toBe('my-cct')
    expect(files()).toEqual(['manifest.json'])
    expect(loadManifest().models.map((m) => m.id)).not.toContain('my-cct')
    await expect(removeUserModel('my-cct', { userDataDir: userData })).rejects.toThrow(/my-cct is not one of your models/)
  })

  it('fast-plate-ocr grayscale and keep_aspect_ratio: one luma channel in, letterboxed crops padded with grey 114', async () => {
    // the real v1 network behind a one-channel input (test/helpers/make_gray_ocr.py)
    const gray = join(tmp, 'gray_cct.onnx')
    const r = spawnSync(PYTHON, [join(REPO_ROOT, 'test/helpers/make_gray_ocr.py'), join(MODELS!, 'cct_xs_v1_global.onnx'), gray], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    const yaml = readFileSync(join(MODELS!, 'cct_xs_v1_global_plate_config.yaml'), 'utf8')
    const rgbYaml = join(tmp, 'rgb.yaml')
    writeFileSync(rgbYaml, yaml)
    await expect(addUserModel(gray, { config: rgbYaml, id: 'gray', userDataDir: userData })).rejects.toThrow(/input "input" is \[unk__424, 64, 128, 1\], but .*rgb\.yaml \(img_height 64, img_width 128, rgb\) needs \[N, 64, 128, 3\]/)
    const grayYaml = join(tmp, 'gray.yaml')
    writeFileSync(grayYaml, yaml.replace('image_color_mode: rgb', 'image_color_mode: grayscale'))
    expect((await addUserModel(gray, { config: grayYaml, id: 'gray', userDataDir: userData })).entry.input).toMatchObject({ channels: 1, resize: 'stretch' })
    const keepYaml = join(tmp, 'keep.yaml')
    writeFileSync(keepYaml, yaml.replace('keep_aspect_ratio: false', 'keep_aspect_ratio: true'))
    expect((await addUserModel(join(MODELS!, 'cct_xs_v1_global.onnx'), { config: keepYaml, id: 'keep', userDataDir: userData })).entry.input).toMatchObject({ channels: 3, resize: 'letterbox' })

    const g = await Pipeline.create({ threads: 1, recognizerId: 'gray', userDataDir: userData })
    const k = await Pipeline.create({ threads: 1, detector: false, recognizerId: 'keep', userDataDir: userData })
    const builtin = await Pipeline.create({ threads: 1, recognizerId: 'cct-xs-v1-global' })
    try {
      let same = 0
      let total = 0
      for (const f of readdirSync(join(FIX!, 'images')).sort().slice(0, 8)) {
        const a = await g.recognizeFile(join(FIX!, 'images', f))
        const b = await builtin.recognizeFile(join(FIX!, 'images', f))
        expect(a.plates.length).toBe(b.plates.length) // same detector
        for (const [i, p] of a.plates.entries()) {
          total++
          if (p.read?.text && p.read.text === b.plates[i]!.read?.text) same++
        }
      }
      console.log(`grayscale copy of v1: ${same}/${total} plates read as the RGB model reads them`)
      expect(same).toBeGreaterThanOrEqual(Math.ceil(total * 0.6)) // plates are mostly black on white: little lost in grey
      // a wide box is fitted to the 128 px width and centred: grey 114 rows above and below it
      const img = await decodeImageFile(join(FIX!, 'images', readdirSync(join(FIX!, 'images')).sort()[0]!))
      const rec = (await k.recognizersFor('keep'))[0]!
      const batch = rec.prepare(img, [{ x1: 100, y1: 400, x2: 400, y2: 430 }], { padX: 0, padY: 0 })
      const row = (y: number) => batch.subarray(y * 128 * 3, (y + 1) * 128 * 3)
      expect([...row(0)].every((v) => v === 114)).toBe(true)
      expect([...row(63)].every((v) => v === 114)).toBe(true)
      expect([...row(32)].every((v) => v === 114)).toBe(false)
    } finally {
      await Promise.all([g.close(), k.close(), builtin.close()])
    }
    await removeUserModel('gray', { userDataDir: userData })
    await removeUserModel('keep', { userDataDir: userData })
  })

  it.skipIf(!existsSync(CROPS))('CTC: a wrong alphabet length is refused; with its JSON it adds, reads the LPRNet crops like the bundled model, removes', async () => {
    const bad = join(tmp, 'lprnet_bad.json')
    const cfg = lprnetConfig()
    writeFileSync(bad, JSON.stringify({ ...cfg, alphabet: (cfg.alphabet as string).slice(0, -1) }))
    await expect(addUserModel(LPRNET, { config: bad, id: 'my-lpr', userDataDir: userData })).rejects.toThrow(
      `${LPRNET}: output "logits" is [1, 68, 18] (NCT: 68 classes), but ${bad} has an alphabet of 67 characters (blank included): the alphabet does not belong to this model`
    )
    writeFileSync(bad, JSON.stringify({ ...cfg, output: { layout: 'slots' } }))
    await expect(addUserModel(LPRNET, { config: bad, id: 'my-lpr', userDataDir: userData })).rejects.toThrow(/output\.layout must be "ctc"/)
    writeFileSync(bad, JSON.stringify({ ...cfg, input: { ...(cfg.input as object), width: 96 } }))
    await expect(addUserModel(LPRNET, { config: bad, id: 'my-lpr', userDataDir: userData })).rejects.toThrow(/input "input" is \[batch, 3, 24, 94\], but .* needs \[N, 3, 24, 96\]/)
    writeFileSync(bad, '{ "input": ')
    await expect(addUserModel(LPRNET, { config: bad, id: 'my-lpr', userDataDir: userData })).rejects.toThrow(`${bad}: not valid JSON`)

    const good = join(tmp, 'lprnet.json')
    writeFileSync(good, JSON.stringify(cfg))
    const added = await addUserModel(LPRNET, { config: good, id: 'my-lpr', userDataDir: userData })
    expect(added.entry).toMatchObject({ task: 'recognizer', output: { layout: 'ctc', axes: 'NCT' }, blank: 67, user: true })
    const crops = readdirSync(CROPS).filter((f) => f.endsWith('.jpg')).sort().slice(0, 20)
    const mine = await Pipeline.create({ threads: 1, detector: false, recognizerId: 'my-lpr', userDataDir: userData })
    const builtin = await Pipeline.create({ threads: 1, detector: false, recognizerId: 'lprnet-china' })
    try {
      let exact = 0
      for (const f of crops) {
        const a = (await mine.recognizeFile(join(CROPS, f), { crop: true })).plates[0]?.read
        const b = (await builtin.recognizeFile(join(CROPS, f), { crop: true })).plates[0]?.read
        expect(a?.text).toBe(b?.text)
        expect(a?.modelId).toBe('my-lpr')
        if (a?.text === f.replace(/\.jpg$/, '').normalize('NFC')) exact++
      }
      expect(exact).toBeGreaterThanOrEqual(15) // ~90% read exactly (README)
    } finally {
      await Promise.all([mine.close(), builtin.close()])
    }
    await removeUserModel('my-lpr', { userDataDir: userData })
    expect(files()).toEqual(['manifest.json'])
  })

  it('Ultralytics YOLO: names and imgsz from the metadata; detects the fixture plates through the raw-head path, boxes as the end2end model gives them', async () => {
    const added = await addUserModel(yolo, { id: 'plates-yolo', userDataDir: userData })
    expect(added.kind).toBe('yolo')
    expect(added.entry).toMatchObject({ task: 'detector', classes: ['license-plate'], output: { layout: 'yolo-raw', names: ['output0'] }, input: { width: 416, height: 416 } })
    const mine = await Pipeline.create({ threads: 1, detectorId: 'plates-yolo', userDataDir: userData })
    // the same network (the upstream int8 model it was made from) on the same square letterbox: only
    // the output's layout and the NMS differ
    const builtin = await Pipeline.create({ threads: 1, rectDetector: false, detectorId: 'yolo-v9-t-416-end2end' })
    try {
      expect(mine.detector!.entry.id).toBe('plates-yolo')
      let gt = 0
      let tp = 0
      let fp = 0
      for (const [image, boxes] of readVocBoxes(FIX!)) {
        const img = await decodeImageFile(image)
        const dets = await mine.detector!.detect(img)
        const ref = await builtin.detector!.detect(img)
        expect(dets.length).toBe(ref.length)
        for (const d of dets) expect(Math.max(...ref.map((r) => iou(r.box, d.box)))).toBeGreaterThan(0.999)
        const r = matchDetections(boxes, dets, iou)
        tp += r.tp
        fp += r.fp
        gt += boxes.length
      }
      console.log(`user YOLO (raw head, square 416): recall ${tp}/${gt}, false positives ${fp}`)
      expect(gt).toBeGreaterThanOrEqual(30)
      expect(tp / gt).toBeGreaterThanOrEqual(0.9)
    } finally {
      await Promise.all([mine.close(), builtin.close()])
    }
    await removeUserModel('plates-yolo', { userDataDir: userData })
    expect(files()).toEqual(['manifest.json'])
  })

  it('a truncated or garbage file, or a recogniser without its config, is refused naming the file', async () => {
    const trunc = join(tmp, 'truncated.onnx')
    writeFileSync(trunc, readFileSync(yolo).subarray(0, 100_000))
    await expect(addUserModel(trunc, { userDataDir: userData })).rejects.toThrow(`${trunc}: not an ONNX model: the file is truncated, damaged or something else`)
    const garbage = join(tmp, 'garbage.onnx')
    writeFileSync(garbage, 'this is not a model\n')
    await expect(addUserModel(garbage, { userDataDir: userData })).rejects.toThrow(`${garbage}: not an ONNX model`)
    await expect(addUserModel(join(tmp, 'nope.onnx'), { userDataDir: userData })).rejects.toThrow(`${join(tmp, 'nope.onnx')}: no such file`)
    await expect(addUserModel(join(MODELS!, 'cct_xs_v1_global.onnx'), { id: 'x', userDataDir: userData })).rejects.toThrow(/takes uint8 images like a fast-plate-ocr recogniser: give its plate_config\.yaml/)
    await expect(addUserModel(LPRNET, { id: 'x', userDataDir: userData })).rejects.toThrow(`${LPRNET}: no Ultralytics metadata (names, imgsz) and a 94x24 input: not a YOLO detector; a CTC recogniser needs its JSON config (--config X.json)`)
    await expect(addUserModel(yolo, { id: 'bad id!', userDataDir: userData })).rejects.toThrow(/model id "bad id!" is not valid/)
    const yamlForDetector = join(tmp, 'det_config.yaml')
    writeFileSync(yamlForDetector, readFileSync(join(MODELS!, 'cct_xs_v1_global_plate_config.yaml')))
    await expect(addUserModel(yolo, { config: yamlForDetector, id: 'x', userDataDir: userData })).rejects.toThrow(/input "images" is float32; a fast-plate-ocr model takes uint8 images/)
    expect(files().filter((f) => f.endsWith('.onnx'))).toEqual([])

    // a damaged user manifest: the built-in models still load; adding refuses to overwrite it
    const manifest = join(userModelsDir(userData), 'manifest.json')
    mkdirSync(userModelsDir(userData), { recursive: true })
    const before = existsSync(manifest) ? readFileSync(manifest) : null
    writeFileSync(manifest, '{"models": [')
    try {
      expect(loadManifest().models.map((m) => m.id)).toContain('cct-xs-v2-global')
      await expect(addUserModel(yolo, { id: 'y2', userDataDir: userData })).rejects.toThrow(`${manifest}: the user model list is not valid JSON`)
      expect(readFileSync(manifest, 'utf8')).toBe('{"models": [')
    } finally {
      if (before) writeFileSync(manifest, before)
      else rmSync(manifest)
    }
  })
})

describe.skipIf(skipReason(!MODELS && MODELS_SKIP_REASON, !FIX && FIXTURES_SKIP_REASON))('platedesk models add / models / recognize --recognizer / models remove', () => {
  it('a fast-plate-ocr model through the CLI, end to end', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'pd-usermodels-cli-'))
    const env = { ...process.env, XDG_CONFIG_HOME: tmp }
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', env, timeout: 120_000 })
    try {
      const onnx = join(tmp, 'cct_copy.onnx')
      copyFileSync(join(MODELS!, 'cct_xs_v1_global.onnx'), onnx)
      const add = cli('models', 'add', onnx, '--config', join(MODELS!, 'cct_xs_v1_global_plate_config.yaml'), '--id', 'my-ocr')
      expect(add.stderr).toBe('')
      expect(add.status).toBe(0)
      expect(add.stdout).toMatch(/added my-ocr \(fast-plate-ocr recognizer\)/)
      const list = cli('models', '--json')
      const row = (JSON.parse(list.stdout) as { id: string; state: string; path: string }[]).find((r) => r.id === 'my-ocr')
      expect(row).toMatchObject({ state: 'ok', path: join(tmp, 'PlateDesk', 'models', 'my-ocr.onnx') })
      const image = join(FIX!, 'images', readdirSync(join(FIX!, 'images')).sort()[0]!)
      const rec = cli('recognize', '--workers', '1', '--recognizer', 'my-ocr', image)
      expect(rec.status).toBe(0)
      const results = (JSON.parse(rec.stdout) as { results: { plate: string }[] }[])[0]!.results
      expect(results.length).toBeGreaterThan(0)
      const rm = cli('models', 'remove', 'my-ocr')
      expect(rm.status).toBe(0)
      const again = cli('recognize', '--workers', '1', '--recognizer', 'my-ocr', image)
      expect(again.status).toBe(1)
      expect(again.stderr).toMatch(/unknown model id "my-ocr"/)
      const bad = cli('models', 'add', join(tmp, 'missing.onnx'))
      expect(bad.status).toBe(1)
      expect(bad.stderr).toBe(`platedesk models add: ${join(tmp, 'missing.onnx')}: no such file\n`)
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })
})
