// Ground-truth readers on small inline samples, the metrics arithmetic, and the folder finder on the
// real fixtures plus a temp folder mixing layouts.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findGroundTruth, looksLikeYolo, parseOpenAlprTxt, parsePlatesTsv, parseVocXml, parseYoloTxt } from '../../src/main/eval/ground-truth'
import { DetectionStats, TextStats, alignChars, charAccuracy, editDistance, iou, matchBoxes, timingSummary } from '../../src/main/eval/metrics'
import { FIXTURES_SKIP_REASON, fixturesDir, skipReason } from '../helpers/models'

const FIX = fixturesDir()

describe('ground-truth parsers', () => {
  it('OpenALPR benchmark txt: file x y w h TEXT, tabs or spaces, text optional', () => {
    const rows = parseOpenAlprTxt('car1.jpg\t133\t183\t104\t53\t6RAH621\n\n# comment\ncar1.jpg  10 20 30 40\ncar1.jpg\t1\t2\t3\t4\tab-12 3\n', 'car1.txt')
    expect(rows).toHaveLength(3)
    expect(rows[0]).toEqual({ file: 'car1.jpg', plate: { box: { x1: 133, y1: 183, x2: 237, y2: 236 }, text: '6RAH621' } })
    expect(rows[1].plate).toEqual({ box: { x1: 10, y1: 20, x2: 40, y2: 60 }, text: null })
    expect(rows[2].plate.text).toBe('AB123')
    expect(() => parseOpenAlprTxt('car.jpg\t1\tx\t3\t4\tA', 'bad.txt')).toThrow(/bad\.txt:1: y is not a number/)
    expect(() => parseOpenAlprTxt('car.jpg 1 2', 'short.txt')).toThrow(/short\.txt:1/)
  })

  it('YOLO txt: normalised centre boxes to pixels with the image size; tells itself from OpenALPR', () => {
    const txt = '0 0.5 0.5 0.25 0.1\n0 0.1 0.2 0.1 0.05 B21GSB\n'
    expect(looksLikeYolo(txt)).toBe(true)
    expect(looksLikeYolo('car1.jpg 1 2 3 4 ABC')).toBe(false)
    const boxes = parseYoloTxt(txt, 1280, 720)
    const b0 = boxes[0].box
    expect([b0.x1, b0.y1, b0.x2, b0.y2].map((v) => Math.round(v * 1e6) / 1e6)).toEqual([480, 324, 800, 396])
    expect(boxes[0].text).toBeNull()
    expect(boxes[1].box.x1).toBeCloseTo(64, 6)
    expect(boxes[1].box.y2).toBeCloseTo(162, 6)
    expect(boxes[1].text).toBe('B21GSB')
    expect(() => parseYoloTxt('0 0.5 0.5 2 0.1', 100, 100, 'x.txt')).toThrow(/x\.txt:1: values must be normalised/)
    expect(() => parseYoloTxt(txt, 0, 0, 'x.txt')).toThrow(/image size/)
  })

  it('Pascal VOC: boxes, size, and plate text from <text>, <plate>, attributes, CVAT attributes or <name>', () => {
    const xml = `<annotation><filename>a.jpg</filename><size><width>1280</width><height>720</height></size>
      <object><name>license-plate</name><bndbox><xmin>10.5</xmin><ymin>20</ymin><xmax>110</xmax><ymax>50</ymax></bndbox></object>
      <object><name>plate</name><text>0123ABC</text><bndbox><xmin>200</xmin><ymin>300</ymin><xmax>260</xmax><ymax>320</ymax></bndbox></object>
      <object><name>lp</name><plate>b 21 gsb</plate><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax></bndbox></object>
      <object text="CJ10XYZ"><name>lp</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax></bndbox></object>
      <object><name>lp</name><attributes><attribute><name>text</name><value>IF07KLM</value></attribute></attributes>
        <bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax></bndbox></object>
      <object><name>B40JFC</name><bndbox><xmin>5</xmin><ymin>6</ymin><xmax>7</xmax><ymax>8</ymax></bndbox></object>
      <object><name>no-box</name></object>
    </annotation>`
    const a = parseVocXml(xml, 'a.xml')
    expect(a.filename).toBe('a.jpg')
    expect([a.width, a.height]).toEqual([1280, 720])
    expect(a.plates.map((p) => p.text)).toEqual([null, '0123ABC', 'B21GSB', 'CJ10XYZ', 'IF07KLM', 'B40JFC'])
    expect(a.plates[0].box).toEqual({ x1: 10.5, y1: 20, x2: 110, y2: 50 })
    expect(() => parseVocXml('<foo/>', 'b.xml')).toThrow(/b\.xml: no <annotation>/)
    expect(() => parseVocXml('<annotation><object><bndbox><xmin>a</xmin></bndbox></object></annotation>', 'c.xml')).toThrow(/c\.xml: object 1: xmin/)
  })

  it('plates.tsv: columns by header, illegible rows keep the box without text', () => {
    const rows = parsePlatesTsv('image\txmin\tymin\txmax\tymax\ttext\tlegibility\nimages/a.jpg\t1\t2\t3\t4\tB21GSB\tclear\nimages/a.jpg\t5\t6\t7\t8\t\tillegible\n')
    expect(rows).toEqual([
      { image: 'images/a.jpg', plate: { box: { x1: 1, y1: 2, x2: 3, y2: 4 }, text: 'B21GSB', legibility: 'clear' } },
      { image: 'images/a.jpg', plate: { box: { x1: 5, y1: 6, x2: 7, y2: 8 }, text: null, legibility: 'illegible' } }
    ])
    expect(() => parsePlatesTsv('image\tx\n', 't.tsv')).toThrow(/t\.tsv: header has no "xmin"/)
  })
})

describe('metrics', () => {
  it('IoU and greedy matching by best IoU at 0.5', () => {
    const a = { x1: 0, y1: 0, x2: 10, y2: 10 }
    expect(iou(a, a)).toBe(1)
    expect(iou(a, { x1: 5, y1: 0, x2: 15, y2: 10 })).toBeCloseTo(1 / 3, 9)
    expect(iou(a, { x1: 20, y1: 20, x2: 30, y2: 30 })).toBe(0)
    // pred 0 overlaps both truths; the better pair wins, the other truth takes pred 1
    const gt = [a, { x1: 2, y1: 0, x2: 12, y2: 10 }]
    const pred = [{ x1: 2, y1: 0, x2: 12, y2: 10 }, { x1: 0, y1: 0, x2: 9, y2: 10 }, { x1: 50, y1: 50, x2: 60, y2: 60 }]
    const m = matchBoxes(gt, pred)
    expect(m.matches.map((x) => [x.gt, x.pred])).toEqual([
      [1, 0],
      [0, 1]
    ])
    expect(m.unmatchedPred).toEqual([2])
    expect(matchBoxes([a], [{ x1: 5, y1: 0, x2: 15, y2: 10 }]).matches).toHaveLength(0)
    const d = new DetectionStats()
    d.addMatch(m)
    expect(d.summary()).toMatchObject({ truePositives: 2, falsePositives: 1, falseNegatives: 0, recall: 1 })
    expect(d.summary().precision).toBeCloseTo(2 / 3, 9)
  })

  it('edit distance, alignment, character accuracy and confusion pairs', () => {
    expect(editDistance('B21GSB', 'B21GSB')).toBe(0)
    expect(editDistance('B21GSB', 'B21GS8')).toBe(1)
    expect(editDistance('B21GSB', '821GS')).toBe(2)
    expect(editDistance('', 'ABC')).toBe(3)
    expect(alignChars('B21GSB', 'B21GS8').filter(([t, r]) => t !== r)).toEqual([['B', '8']])
    expect(alignChars('B40JFC', 'B4OJFCX').filter(([t, r]) => t !== r)).toEqual([
      ['0', 'O'],
      ['', 'X']
    ])
    expect(charAccuracy('B21GSB', 'B21GS8')).toBeCloseTo(5 / 6, 9)
    expect(charAccuracy('AB', 'XYZW')).toBe(0)
    const t = new TextStats()
    t.add('B21GSB', 'B21GSB', { region: 'ro' })
    t.add('B21GSB', 'B21GS8', { region: 'ro' })
    t.add('B40JFC', '', { region: 'md' })
    expect(t.exactAccuracy).toBeCloseTo(1 / 3, 9)
    expect(t.charAccuracy).toBeCloseTo((1 + 5 / 6 + 0) / 3, 9)
    expect(t.confusionPairs()).toContainEqual({ truth: 'B', read: '8', count: 1 })
    expect(t.confusionPairs()).toContainEqual({ truth: 'J', read: '', count: 1 })
    expect(t.group('region')).toEqual([
      { key: 'ro', plates: 2, exactAccuracy: 0.5 },
      { key: 'md', plates: 1, exactAccuracy: 0 }
    ])
    expect(timingSummary([10, 20, 30, 40])).toMatchObject({ count: 4, meanMs: 25, medianMs: 20, maxMs: 40 })
  })
})

describe.skipIf(skipReason(!FIX && FIXTURES_SKIP_REASON))('finding ground truth in a folder', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'platedesk-gt-'))
  afterAll(() => rmSync(tmp, { recursive: true, force: true }))

  it('the fixtures: annotations/ sibling VOC boxes with plates.tsv text merged in', async () => {
    const { images, errors } = await findGroundTruth(FIX!)
    expect(errors).toEqual([])
    expect(images).toHaveLength(24)
    const plates = images.flatMap((i) => i.plates)
    expect(plates).toHaveLength(31)
    expect(plates.filter((p) => p.text).length).toBe(30)
    expect(plates.find((p) => p.legibility === 'illegible')?.text).toBeNull()
    const one = images.find((i) => i.image.endsWith('dayride_type1_001_t1055.jpg'))!
    expect(one.plates.map((p) => p.text).sort()).toEqual(['B21GSB', 'B40JFC'])
    expect(one.plates.find((p) => p.text === 'B21GSB')!.box.x1).toBeCloseTo(562.06, 1)
    expect(one.sources.some((s) => s.endsWith('annotations/dayride_type1_001_t1055.xml'))).toBe(true)
  })

  it('mixed layouts: X.txt OpenALPR, X.xml beside, labels/X.txt YOLO; unreadable labels named, batch goes on', async () => {
    const src = join(FIX!, 'images')
    mkdirSync(join(tmp, 'alpr'), { recursive: true })
    mkdirSync(join(tmp, 'yolo', 'images'), { recursive: true })
    mkdirSync(join(tmp, 'yolo', 'labels'), { recursive: true })
    copyFileSync(join(src, 'dayride_type1_001_t1055.jpg'), join(tmp, 'alpr', 'a.jpg'))
    writeFileSync(join(tmp, 'alpr', 'a.txt'), 'a.jpg\t562\t413\t87\t23\tB21GSB\n')
    copyFileSync(join(src, 'dayride_type1_001_t1094.jpg'), join(tmp, 'alpr', 'b.jpg'))
    writeFileSync(join(tmp, 'alpr', 'b.xml'), '<annotation><object><name>B57ZFA</name><bndbox><xmin>0</xmin><ymin>370</ymin><xmax>105</xmax><ymax>398</ymax></bndbox></object></annotation>')
    copyFileSync(join(src, 'dayride_type1_001_t1174.jpg'), join(tmp, 'alpr', 'broken.jpg'))
    writeFileSync(join(tmp, 'alpr', 'broken.xml'), '<annotation><object><bndbox><xmin>oops</xmin></bndbox></object></annotation>')
    copyFileSync(join(src, 'dayride_type1_001_t1198.jpg'), join(tmp, 'yolo', 'images', 'c.jpg'))
    writeFileSync(join(tmp, 'yolo', 'labels', 'c.txt'), '0 0.5 0.5 0.1 0.05\n')
    copyFileSync(join(src, 'dayride_type1_001_t1412.jpg'), join(tmp, 'alpr', 'unlabelled.jpg'))

    const { images, errors } = await findGroundTruth(tmp)
    expect(images.map((i) => i.image.slice(tmp.length + 1)).sort()).toEqual(['alpr/a.jpg', 'alpr/b.jpg', 'yolo/images/c.jpg'])
    expect(errors).toHaveLength(1)
    expect(errors[0].path).toBe(join(tmp, 'alpr', 'broken.jpg'))
    expect(errors[0].error).toContain('broken.xml')
    const c = images.find((i) => i.image.endsWith('c.jpg'))!
    const cb = c.plates[0].box
    expect([cb.x1, cb.y1, cb.x2, cb.y2].map((v) => Math.round(v * 1e6) / 1e6)).toEqual([576, 342, 704, 378])
    expect(images.find((i) => i.image.endsWith('a.jpg'))!.plates[0]).toEqual({ box: { x1: 562, y1: 413, x2: 649, y2: 436 }, text: 'B21GSB' })
    // a format filter reads only that kind of label file
    const onlyYolo = await findGroundTruth(tmp, { format: 'yolo' })
    expect(onlyYolo.images.map((i) => i.image.slice(tmp.length + 1))).toEqual(['yolo/images/c.jpg'])
  })
})
