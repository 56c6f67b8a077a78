// Seed datasets as ground truth (`platedesk import-labels --format ccpd|ufpr|crops|fast-plate-ocr`): small sets
// built here from each published specification (and the real LPRNet test crops) go into a real library file
// and come back out unchanged: CCPD names re-encoded from the COCO export, UFPR corners and two-row text from
// the library and COCO keypoints, crop texts through the fast-plate-ocr export and back in.
import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importGroundTruth } from '../../src/main/db/ground-truth-writer'
import { openLibrary } from '../../src/main/db/index'
import { runExport } from '../../src/main/export/index'
import { parseCsv } from '../../src/shared/csv'
import { REPO_ROOT, SHARED_DIR } from '../helpers/models'

const cli = (args: string[]) =>
  promisify(execFile)(process.execPath, [join(REPO_ROOT, 'bin/platedesk.js'), ...args], { encoding: 'utf8' }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr })
  )

// The CCPD README's tables (the last entry of each, O, is "no character"), written out here independently.
const PROVINCES = '皖沪津渝冀晋蒙辽吉黑苏浙京闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新警学O'
const ALPHABETS = 'ABCDEFGHJKLMNPQRSTUVWXYZO'
const ADS = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789O'

type Pt = [number, number]
/** A CCPD name from the spec: area-tilt-box-vertices(BR,BL,TL,TR)-indices-brightness-blur. */
function ccpdName(p: { box: [number, number, number, number]; quad: [Pt, Pt, Pt, Pt]; text: string }): string {
  const [tl, tr, br, bl] = p.quad
  const idx = [...p.text].map((ch, i) => (i === 0 ? PROVINCES : i === 1 ? ALPHABETS : ADS).indexOf(ch))
  expect(idx.every((i) => i >= 0)).toBe(true)
  const v = (q: Pt) => `${q[0]}&${q[1]}`
  return `0${idx.length}-90_88-${p.box[0]}&${p.box[1]}_${p.box[2]}&${p.box[3]}-${[br, bl, tl, tr].map(v).join('_')}-${idx.join('_')}-120-8`
}

async function image(file: string, width: number, height: number, shade: number): Promise<void> {
  await sharp({ create: { width, height, channels: 3, background: { r: shade, g: 100, b: 255 - shade } } })
    .jpeg()
    .toFile(file)
}

interface CocoJson {
  images: { id: number; file_name: string; source: string }[]
  annotations: { image_id: number; bbox: number[]; segmentation: number[][]; keypoints?: number[]; num_keypoints?: number; attributes: { text: string } }[]
  categories: { keypoints?: string[] }[]
}

const LPRNET_CROPS = join(SHARED_DIR, 'datasets', 'lprnet-plates', 'crops')

describe('import-labels: the seed dataset formats round trip', () => {
  let tmp: string
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'platedesk-seed-'))
  })
  afterAll(() => rmSync(tmp, { recursive: true, force: true }))

  it('ccpd: the file names → plates with text, box and corners → COCO export → the same names', async () => {
    const dir = join(tmp, 'ccpd')
    mkdirSync(dir)
    const plates = [
      { box: [154, 383, 386, 473], quad: [[154, 383], [363, 402], [386, 473], [177, 454]], text: '皖AY339S' },
      { box: [90, 300, 260, 362], quad: [[92, 300], [260, 318], [258, 362], [90, 344]], text: '京D012345' },
      { box: [40, 500, 200, 560], quad: [[40, 500], [200, 500], [200, 560], [40, 560]], text: '苏E7K2Q9' }
    ] as { box: [number, number, number, number]; quad: [Pt, Pt, Pt, Pt]; text: string }[]
    const names = plates.map(ccpdName)
    for (const [i, n] of names.entries()) await image(join(dir, `${n}.jpg`), 480, 640, 40 + i * 60)
    writeFileSync(join(dir, 'not-a-ccpd-name.jpg'), readFileSync(join(dir, `${names[0]}.jpg`)))
    const db = join(tmp, 'ccpd.db')
    const r = await cli(['import-labels', '--db', db, '--format', 'ccpd', dir, '--json'])
    // the stray file is named with its cause; the three labelled images are in
    expect(r.stderr).toMatch(/failed: .*not-a-ccpd-name\.jpg: not a CCPD file name/)
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toMatchObject({ images: 3, mediaAdded: 3, platesAdded: 3 })

    const lib = openLibrary(db)
    try {
      const rows = lib.db
        .prepare("SELECT m.path, p.text, p.x1, p.y1, p.x2, p.y2, p.corners, p.review_state AS s FROM plates p JOIN media m ON m.id = p.media_id ORDER BY m.path")
        .all() as { path: string; text: string; x1: number; y1: number; x2: number; y2: number; corners: string; s: string }[]
      expect(rows).toHaveLength(3)
      for (const row of rows) {
        const p = plates[names.indexOf(basename(row.path, '.jpg'))]
        expect([row.text, row.s]).toEqual([p.text, 'confirmed'])
        expect([row.x1, row.y1, row.x2, row.y2]).toEqual(p.box)
        expect(JSON.parse(row.corners)).toEqual(p.quad)
      }
      const out = join(tmp, 'ccpd-coco')
      const res = await runExport(lib.db, { format: 'coco', outDir: out })
      expect(res.failures).toEqual([])
      const coco = JSON.parse(readFileSync(join(out, 'annotations.json'), 'utf8')) as CocoJson
      expect(coco.categories[0].keypoints).toEqual(['top_left', 'top_right', 'bottom_right', 'bottom_left'])
      const back = coco.annotations.map((a) => {
        const img = coco.images.find((i) => i.id === a.image_id)!
        const kp = a.keypoints!
        expect(a.num_keypoints).toBe(4)
        expect(a.segmentation).toEqual([[kp[0], kp[1], kp[3], kp[4], kp[6], kp[7], kp[9], kp[10]]])
        const quad = [0, 1, 2, 3].map((k) => [kp[k * 3], kp[k * 3 + 1]] as Pt) as [Pt, Pt, Pt, Pt]
        const box: [number, number, number, number] = [a.bbox[0], a.bbox[1], a.bbox[0] + a.bbox[2], a.bbox[1] + a.bbox[3]]
        return { source: basename(img.source, '.jpg'), name: ccpdName({ box, quad, text: a.attributes.text }) }
      })
      expect(back.map((b) => b.name).sort()).toEqual(back.map((b) => b.source).sort())
      expect(back.map((b) => b.name).sort()).toEqual([...names].sort())
    } finally {
      lib.close()
    }
  })

  it('ufpr: car, two-row motorcycle and RodoSol corners → plates → COCO keypoints; a re-import changes nothing', async () => {
    const dir = join(tmp, 'ufpr', 'track0001')
    mkdirSync(dir, { recursive: true })
    const car = 'camera: GoPro Hero4 Silver\nposition_vehicle: 809 426 466 386\n\ttype: car\n\tmake: Renault\n\tmodel: Sandero\n\tyear: 2015\nplate: AYO-9034\nposition_plate: 972 705 62 23\n' +
      [976, 984, 992, 1004, 1012, 1020, 1028].map((x, i) => `\tchar ${i + 1}: ${x} 710 8 13`).join('\n') + '\n'
    const moto = 'camera: iPhone 7 Plus\nposition_vehicle: 700 300 300 500\n\ttype: motorcycle\nplate: BBC-1D23\nposition_plate: 800 600 40 36\n' +
      [[804, 603], [814, 603], [824, 603], [802, 619], [811, 619], [820, 619], [829, 619]].map(([x, y], i) => `\tchar ${i + 1}: ${x} ${y} 8 14`).join('\n') + '\n'
    const rodosol = 'type: car\nplate: PPX2B17\nlayout: Mercosur\ncorners: 622,348 683,353 683,379 622,374\n'
    const files = { 'track0001[01]': car, 'track0001[02]': moto, img_000003: rodosol }
    let shade = 10
    for (const [stem, txt] of Object.entries(files)) {
      await image(join(dir, `${stem}.png`), 1920, 1080, (shade += 70))
      writeFileSync(join(dir, `${stem}.txt`), txt)
    }
    const db = join(tmp, 'ufpr.db')
    const lib = openLibrary(db)
    try {
      const r = await importGroundTruth(lib.db, join(tmp, 'ufpr'), { format: 'ufpr' })
      expect(r).toMatchObject({ images: 3, mediaAdded: 3, platesAdded: 3, failures: [] })
      const rows = lib.db.prepare('SELECT m.path, p.text, p.x1, p.y1, p.x2, p.y2, p.corners FROM plates p JOIN media m ON m.id = p.media_id ORDER BY m.path').all() as { path: string; text: string; x1: number; y1: number; x2: number; y2: number; corners: string | null }[]
      expect(rows.map((x) => [basename(x.path), x.text, x.x1, x.y1, x.x2, x.y2, x.corners ? JSON.parse(x.corners) : null])).toEqual([
        ['img_000003.png', 'PPX2B17', 622, 348, 683, 379, [[622, 348], [683, 353], [683, 379], [622, 374]]],
        ['track0001[01].png', 'AYO9034', 972, 705, 1034, 728, null],
        ['track0001[02].png', 'BBC\n1D23', 800, 600, 840, 636, null]
      ])
      const out = join(tmp, 'ufpr-coco')
      await runExport(lib.db, { format: 'coco', outDir: out })
      const coco = JSON.parse(readFileSync(join(out, 'annotations.json'), 'utf8')) as CocoJson
      const byText = new Map(coco.annotations.map((a) => [a.attributes.text, a]))
      expect(byText.get('PPX2B17')!.keypoints).toEqual([622, 348, 2, 683, 353, 2, 683, 379, 2, 622, 374, 2])
      expect(byText.get('AYO9034')!.keypoints).toBeUndefined()
      expect(byText.get('AYO9034')!.segmentation).toEqual([])
      expect(byText.get('BBC\n1D23')!.bbox).toEqual([800, 600, 40, 36])
      // YOLO pose: box + the corners as keypoints (0 0 0 where unknown); OBB: the corners (or the box's)
      const labelsOf = (root: string): string[] =>
        ['train', 'val', 'test'].flatMap((sp) => readdirSync(join(root, 'labels', sp)).map((f) => readFileSync(join(root, 'labels', sp, f), 'utf8').trim())).filter(Boolean).sort()
      const n = (v: number) => v.toFixed(6)
      const pose = join(tmp, 'ufpr-pose')
      await runExport(lib.db, { format: 'yolo', outDir: pose, yoloLabels: 'pose' })
      expect(readFileSync(join(pose, 'data.yaml'), 'utf8')).toMatch(/kpt_shape: \[4, 3\]\nflip_idx: \[1, 0, 3, 2\]/)
      const kp = (x: number, y: number) => `${n(x / 1920)} ${n(y / 1080)} 2`
      expect(labelsOf(pose)).toEqual(
        [
          `0 ${n(652.5 / 1920)} ${n(363.5 / 1080)} ${n(61 / 1920)} ${n(31 / 1080)} ${kp(622, 348)} ${kp(683, 353)} ${kp(683, 379)} ${kp(622, 374)}`,
          `0 ${n(1003 / 1920)} ${n(716.5 / 1080)} ${n(62 / 1920)} ${n(23 / 1080)}${' 0.000000 0.000000 0'.repeat(4)}`,
          `0 ${n(820 / 1920)} ${n(618 / 1080)} ${n(40 / 1920)} ${n(36 / 1080)}${' 0.000000 0.000000 0'.repeat(4)}`
        ].sort()
      )
      const obb = join(tmp, 'ufpr-obb')
      await runExport(lib.db, { format: 'yolo', outDir: obb, yoloLabels: 'obb' })
      const pt = (x: number, y: number) => `${n(x / 1920)} ${n(y / 1080)}`
      expect(labelsOf(obb)).toContain(`0 ${pt(622, 348)} ${pt(683, 353)} ${pt(683, 379)} ${pt(622, 374)}`)
      expect(labelsOf(obb)).toContain(`0 ${pt(800, 600)} ${pt(840, 600)} ${pt(840, 636)} ${pt(800, 636)}`)
      // the fast-plate-ocr list is one line per crop: the two rows top first
      const ocr = join(tmp, 'ufpr-ocr')
      await runExport(lib.db, { format: 'ocr', outDir: ocr })
      expect(parseCsv(readFileSync(join(ocr, 'labels.csv'), 'utf8')).slice(1).map((x) => x[1]).sort()).toEqual(['AYO9034', 'BBC1D23', 'PPX2B17'])
      const again = await importGroundTruth(lib.db, join(tmp, 'ufpr'), { format: 'ufpr' })
      expect(again).toMatchObject({ images: 3, mediaAdded: 0, platesAdded: 0, platesSkipped: 3 })
    } finally {
      lib.close()
    }
  })

  it.skipIf(!existsSync(LPRNET_CROPS))('crops (the real LPRNet test crops) → fast-plate-ocr export → fast-plate-ocr import: same texts, whole-crop boxes', async () => {
    const dir = join(tmp, 'crops')
    mkdirSync(dir)
    const names = readdirSync(LPRNET_CROPS).filter((n) => n.endsWith('.jpg')).sort().slice(0, 6)
    for (const n of names) copyFileSync(join(LPRNET_CROPS, n), join(dir, n))
    copyFileSync(join(LPRNET_CROPS, names[0]), join(dir, `${names[0].replace('.jpg', '')}_2.jpg`)) // the same crop twice: one media
    const db1 = join(tmp, 'crops.db')
    const r = await cli(['import-labels', '--db', db1, '--format', 'crops', dir])
    expect(r.stderr).toBe('')
    expect(r.stdout).toMatch(/imported 7 labelled images \(6 new media\): 6 plates added, 0 model plates confirmed\/corrected, 1 skipped/)
    const texts = names.map((n) => n.replace('.jpg', '')).sort()
    const lib1 = openLibrary(db1)
    const out = join(tmp, 'crops-ocr')
    try {
      const rows = lib1.db.prepare('SELECT p.text, p.x1, p.y1, p.x2, p.y2, m.width, m.height FROM plates p JOIN media m ON m.id = p.media_id').all() as { text: string; x1: number; y1: number; x2: number; y2: number; width: number; height: number }[]
      expect(rows.map((x) => x.text).sort()).toEqual(texts)
      for (const x of rows) expect([x.x1, x.y1, x.x2, x.y2]).toEqual([0, 0, x.width, x.height])
      const res = await runExport(lib1.db, { format: 'ocr', outDir: out, cropPadding: 0 })
      expect(res.failures).toEqual([])
    } finally {
      lib1.close()
    }
    const csv = parseCsv(readFileSync(join(out, 'labels.csv'), 'utf8'))
    expect(csv[0]).toEqual(['image_path', 'plate_text'])
    expect(csv.slice(1).map((x) => x[1]).sort()).toEqual(texts)
    for (const [rel] of csv.slice(1)) expect(await sharp(join(out, rel)).metadata()).toMatchObject({ width: 94, height: 24 })

    // and back: the export's CSV (labels.csv plus the split lists) into a fresh library
    const db2 = join(tmp, 'crops2.db')
    const back = await cli(['import-labels', '--db', db2, '--format', 'fast-plate-ocr', out, '--json'])
    expect(back.code).toBe(0)
    expect(JSON.parse(back.stdout)).toMatchObject({ images: 6, mediaAdded: 6, platesAdded: 6, failures: [] })
    const lib2 = openLibrary(db2)
    try {
      const rows = lib2.db.prepare('SELECT p.text, p.x2, p.y2 FROM plates p').all() as { text: string; x2: number; y2: number }[]
      expect(rows.map((x) => x.text).sort()).toEqual(texts)
      expect(rows.every((x) => x.x2 === 94 && x.y2 === 24)).toBe(true)
    } finally {
      lib2.close()
    }
  })

  it('fast-plate-ocr: a CSV file with regions and a quoted path; a missing image is named, the rest imported', async () => {
    const dir = join(tmp, 'fpo')
    mkdirSync(join(dir, 'crops'), { recursive: true })
    await image(join(dir, 'crops', 'a.jpg'), 140, 32, 20)
    await image(join(dir, 'crops', 'b,1.jpg'), 150, 34, 200)
    const csv = join(dir, 'train.csv')
    writeFileSync(csv, 'image_path,plate_text,plate_region\ncrops/a.jpg,b-123 abc,Romania\n"crops/b,1.jpg",AB12CD,Poland\ncrops/gone.jpg,X1,Romania\n')
    const db = join(tmp, 'fpo.db')
    const lib = openLibrary(db)
    try {
      const r = await importGroundTruth(lib.db, csv, { format: 'fast-plate-ocr' })
      expect(r).toMatchObject({ images: 2, platesAdded: 2 })
      expect(r.failures).toEqual([{ path: join(dir, 'crops', 'gone.jpg'), error: `${join(dir, 'crops', 'gone.jpg')}: listed in ${csv} but not found` }])
      const rows = lib.db.prepare('SELECT p.text, p.region, p.x2, p.y2 FROM plates p ORDER BY p.text').all()
      expect(rows).toEqual([
        { text: 'AB12CD', region: 'Poland', x2: 150, y2: 34 },
        { text: 'B123ABC', region: 'Romania', x2: 140, y2: 32 }
      ])
      // round trip: the ocr export writes the same text and region per crop
      const out = join(tmp, 'fpo-out')
      await runExport(lib.db, { format: 'ocr', outDir: out, cropPadding: 0 })
      expect(parseCsv(readFileSync(join(out, 'labels.csv'), 'utf8')).slice(1).map((x) => [x[1], x[2]]).sort()).toEqual([
        ['AB12CD', 'Poland'],
        ['B123ABC', 'Romania']
      ])
    } finally {
      lib.close()
    }
  })
})
