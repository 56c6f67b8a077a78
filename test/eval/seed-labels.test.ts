// The seed datasets' label formats, read from their published specifications: CCPD file names, UFPR-ALPR /
// RodoSol-ALPR .txt, crops named by their text, fast-plate-ocr CSV. Pure parsing; the database round trips
// are in test/export/import-labels-seed.test.ts.
import { describe, expect, it } from 'vitest'
import { orderQuad, quadBox } from '../../src/shared/geometry'
import { normalizePlateRows, singleLine } from '../../src/shared/plate-text'
import { cropNameText, parseCcpdName, parseFastPlateOcrCsv, parseUfprTxt } from '../../src/main/eval/seed-labels'
import { parseCsv } from '../../src/shared/csv'

describe('CCPD file names', () => {
  it("decodes the README's sample name field by field", () => {
    const c = parseCcpdName('/data/ccpd_base/025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg')
    expect(c.area).toBe(25)
    expect(c.tilt).toEqual({ horizontal: 95, vertical: 113 })
    expect(c.box).toEqual({ x1: 154, y1: 383, x2: 386, y2: 473 })
    // the file lists BR, BL, TL, TR; the library keeps TL, TR, BR, BL
    expect(c.corners).toEqual([
      [154, 383],
      [363, 402],
      [386, 473],
      [177, 454]
    ])
    // provinces[0] 皖, alphabets[0] A, ads[22] Y, ads[27] 3, ads[27] 3, ads[33] 9, ads[16] S
    expect(c.text).toBe('皖AY339S')
    expect([c.brightness, c.blur]).toEqual([37, 15])
  })

  it('reads 8-character green plates and drops the "no character" O', () => {
    expect(parseCcpdName('0136-1_2-10&20_110&60-110&60_10&58_10&20_110&22-12_3_24_25_26_27_28_29-100-2.jpg').text).toBe('京D012345')
    expect(parseCcpdName('01-0_0-1&2_3&4-3&4_1&4_1&2_3&2-0_24_24_0_0_0_34-1-1.jpg').text).toBe('皖0AAA')
  })

  it('names the file and the field on bad names', () => {
    expect(() => parseCcpdName('/x/holiday.jpg')).toThrow(/\/x\/holiday\.jpg: not a CCPD file name \(expected 7 fields/)
    expect(() => parseCcpdName('025-95_113-154&383_386-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg')).toThrow(/box corner must be 2 numbers/)
    expect(() => parseCcpdName('025-95_113-1&2_3&4-386&473_177&454_154&383-0_0_22_27_27_33_16-37-15.jpg')).toThrow(/vertices must be 4/)
    expect(() => parseCcpdName('025-95_113-1&2_3&4-4&4_1&4_1&1_4&1-0_0_22_27_27_35_16-37-15.jpg')).toThrow(/plate index 6 is 35, outside its table \(0\.\.34\)/)
  })
})

describe('UFPR-ALPR / RodoSol-ALPR annotations', () => {
  const car = [
    'camera: GoPro Hero4 Silver',
    'position_vehicle: 809 426 466 386',
    '\ttype: car',
    '\tmake: Renault',
    '\tmodel: Sandero',
    '\tyear: 2015',
    'plate: AYO-9034',
    'position_plate: 972 705 62 23',
    '\tchar 1: 976 710 8 13',
    '\tchar 2: 984 710 8 13',
    '\tchar 3: 992 710 8 13',
    '\tchar 4: 1004 710 8 13',
    '\tchar 5: 1012 710 8 13',
    '\tchar 6: 1020 710 8 13',
    '\tchar 7: 1028 710 8 13'
  ].join('\n')

  it('a car: vehicle, plate box (x y w h), text, characters; one row', () => {
    const u = parseUfprTxt(car, 'track0001[01].txt')
    expect(u.camera).toBe('GoPro Hero4 Silver')
    expect(u.vehicle).toEqual({ box: { x1: 809, y1: 426, x2: 1275, y2: 812 }, type: 'car', make: 'Renault', model: 'Sandero', year: '2015' })
    expect(u.box).toEqual({ x1: 972, y1: 705, x2: 1034, y2: 728 })
    expect(u.text).toBe('AYO9034')
    expect(u.chars).toHaveLength(7)
    expect([u.rows, u.corners]).toEqual([1, null])
  })

  it('a motorcycle: the second row starts at the first character below the first row', () => {
    const moto = [
      'camera: iPhone 7 Plus',
      'position_vehicle: 700 300 300 500',
      '\ttype: motorcycle',
      'plate: BBC-1D23',
      'position_plate: 800 600 40 36',
      '\tchar 1: 804 603 9 14',
      '\tchar 2: 814 603 9 14',
      '\tchar 3: 824 603 9 14',
      '\tchar 4: 802 619 8 14',
      '\tchar 5: 811 619 8 14',
      '\tchar 6: 820 619 8 14',
      '\tchar 7: 829 619 8 14'
    ].join('\n')
    const u = parseUfprTxt(moto)
    expect(u.text).toBe('BBC\n1D23')
    expect(u.rows).toBe(2)
    // without character boxes the Brazilian motorcycle layout (3 over 4) gives the break
    expect(parseUfprTxt('type: motorcycle\nplate: QWE1234\nposition_plate: 1 1 30 30\n').text).toBe('QWE\n1234')
    expect(parseUfprTxt('type: car\nplate: QWE1234\nposition_plate: 1 1 30 30\n').text).toBe('QWE1234')
  })

  it('RodoSol corners (any order) become TL, TR, BR, BL and give the box when position_plate is absent', () => {
    const u = parseUfprTxt('type: car\nplate: PPX2B17\nlayout: Mercosur\ncorners: 683,379 622,348 683,353 622,374\n')
    expect(u.corners).toEqual([
      [622, 348],
      [683, 353],
      [683, 379],
      [622, 374]
    ])
    expect(u.box).toEqual({ x1: 622, y1: 348, x2: 683, y2: 379 })
    expect([u.text, u.layout]).toEqual(['PPX2B17', 'Mercosur'])
  })

  it('names the file, the line and the cause', () => {
    expect(() => parseUfprTxt('camera: x\nposition_plate: 1 2 3 4\n', 'a.txt')).toThrow('a.txt: no "plate:" line')
    expect(() => parseUfprTxt('plate: ABC1234\nposition_plate: 1 2 three 4\n', 'b.txt')).toThrow('b.txt: position_plate must be "x y w h", got "1 2 three 4"')
    expect(() => parseUfprTxt('plate: ABC1234\njunk line\n', 'c.txt')).toThrow(/c\.txt:2: expected "key: value"/)
    expect(() => parseUfprTxt('plate: ABC1234\ncorners: 1,2 3,4 5,6\n', 'd.txt')).toThrow(/d\.txt: corners must be 4 "x,y"/)
  })
})

describe('crops named by their text, fast-plate-ocr CSV, plate text rows', () => {
  it('crop names: the stem up to a "-" or "_" suffix, any script', () => {
    expect(cropNameText('/c/京PL3N67.jpg')).toBe('京PL3N67')
    expect(cropNameText('皖A12345-2.jpg')).toBe('皖A12345')
    expect(cropNameText('B123ABC_7.png')).toBe('B123ABC')
    expect(cropNameText('_1.jpg')).toBeNull()
  })

  it('CSV: quoted fields with commas, quotes and line breaks; paths relative to the CSV; region optional', () => {
    expect(parseCsv('a,"b,c","d""e"\r\n"f\ng",h\n')).toEqual([
      ['a', 'b,c', 'd"e'],
      ['f\ng', 'h']
    ])
    const rows = parseFastPlateOcrCsv('image_path,plate_text,plate_region\ncrops/a.jpg,b-123 abc,Romania\n"crops/b,1.jpg","ABC\n123",\n', '/data/set/labels.csv')
    expect(rows).toEqual([
      { image: '/data/set/crops/a.jpg', text: 'B123ABC', region: 'Romania' },
      { image: '/data/set/crops/b,1.jpg', text: 'ABC\n123', region: null }
    ])
    expect(() => parseFastPlateOcrCsv('path,text\na.jpg,X\n', '/d/l.csv')).toThrow('/d/l.csv: header must name image_path and plate_text')
  })

  it('text rows: letters of any script and digits, rows kept with a line break, flattened top row first', () => {
    expect(normalizePlateRows(' ab-12\r\n\n 3c ')).toBe('AB12\n3C')
    expect(normalizePlateRows('皖 a·12345')).toBe('皖A12345')
    expect(normalizePlateRows(' - ')).toBeNull()
    expect(singleLine('AB12\n3C')).toBe('AB123C')
  })

  it('orderQuad sorts any point order to TL, TR, BR, BL; quadBox bounds it', () => {
    const q = orderQuad([
      [10, 22],
      [110, 60],
      [12, 58],
      [108, 20]
    ])
    expect(q).toEqual([
      [10, 22],
      [108, 20],
      [110, 60],
      [12, 58]
    ])
    expect(quadBox(q)).toEqual({ x1: 10, y1: 20, x2: 110, y2: 60 })
  })
})
