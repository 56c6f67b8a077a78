// Corners and two-row text in Review, in Chromium against the real backend (web mode, real SQLite): a
// labelled set with corners (RodoSol/UFPR .txt) imported with `platedesk import-labels`, the quadrilateral
// drawn on the frame, a corner dragged and saved (box following, one 'box' history entry), and a two-row
// plate edited as TOP/BOTTOM.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { expect, test, type Page } from '@playwright/test'
import { IMAGES, ROOT, missingPrerequisite, startApp, type RunningApp } from './helpers/app'

const why = missingPrerequisite()
test.describe.configure({ mode: 'serial' })
test.skip(!!why, why ?? '')

let app: RunningApp
let page: Page
let dbPath: string

function query<T>(sql: string, ...args: unknown[]): T {
  const d = new Database(dbPath, { readonly: true, fileMustExist: true })
  try {
    return d.prepare(sql).get(...args) as T
  } finally {
    d.close()
  }
}

test.beforeAll(async ({ browser }) => {
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-corners-'))
  const set = join(dir, 'set')
  mkdirSync(set)
  // B21GSB on this frame (plates.tsv box 562.1 413.6 649.1 436.2), labelled the RodoSol way with corners
  copyFileSync(join(IMAGES, 'dayride_type1_001_t1055.jpg'), join(set, 'a.jpg'))
  writeFileSync(join(set, 'a.txt'), 'type: car\nplate: B21GSB\nlayout: Romanian\ncorners: 562,414 649,413 649,436 562,437\n')
  // a two-row label (motorcycle, 3 over 4)
  copyFileSync(join(IMAGES, 'dayride_type1_001_t151.jpg'), join(set, 'b.jpg'))
  writeFileSync(join(set, 'b.txt'), 'type: motorcycle\nplate: ABC1234\nposition_plate: 564 332 62 19\n')
  dbPath = join(dir, 'library.db')
  execFileSync(process.execPath, [join(ROOT, 'bin/platedesk.js'), 'import-labels', '--db', dbPath, '--format', 'ufpr', set], { encoding: 'utf8' })
  app = await startApp({ dbPath })
  page = await browser.newPage()
})
test.afterAll(async () => {
  await page?.close()
  await app?.stop()
})

test('draws the corners on the frame and saves a dragged corner', async () => {
  const p = query<{ id: number; media_id: number; corners: string }>("SELECT id, media_id, corners FROM plates WHERE text = 'B21GSB'")
  expect(JSON.parse(p.corners)).toEqual([[562, 414], [649, 413], [649, 436], [562, 437]])
  await page.goto(`${app.url}#/review?media=${p.media_id}`)
  await expect(page.getByTestId('plate-input')).toHaveAttribute('data-plate-id', String(p.id))
  const poly = page.getByTestId('corners-polygon')
  await expect(poly).toHaveAttribute('points', '562,414 649,413 649,436 562,437')
  const tl = page.getByTestId('corner-top-left')
  const b = (await tl.boundingBox())!
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2)
  await page.mouse.down()
  await page.mouse.move(b.x + b.width / 2 - 12, b.y + b.height / 2 - 8, { steps: 6 })
  await page.mouse.up()
  const row = () => query<{ corners: string; x1: number; y1: number; x2: number; y2: number }>('SELECT corners, x1, y1, x2, y2 FROM plates WHERE id = ?', p.id)
  await expect.poll(() => JSON.parse(row().corners)[0][0]).toBeLessThan(560)
  const q = JSON.parse(row().corners) as number[][]
  expect(q[0][1]).toBeLessThan(413)
  expect(q.slice(1)).toEqual([[649, 413], [649, 436], [562, 437]]) // the other corners stay
  // the box follows the corners
  expect(row()).toMatchObject({ x1: q[0][0], y1: q[0][1], x2: 649, y2: 437 })
  expect(query('SELECT COUNT(*) AS n FROM history WHERE plate_id = ? AND action = ?', p.id, 'box')).toEqual({ n: 1 })
  await expect(poly).toHaveAttribute('points', `${q[0][0]},${q[0][1]} 649,413 649,436 562,437`)
})

test('a two-row plate shows as TOP/BOTTOM in the editor and a correction keeps the rows', async () => {
  const p = query<{ id: number; media_id: number; text: string }>("SELECT id, media_id, text FROM plates WHERE text LIKE 'ABC%'")
  expect(p.text).toBe('ABC\n1234')
  await page.goto(`${app.url}#/review?media=${p.media_id}`)
  const input = page.getByTestId('plate-input')
  await expect(input).toHaveAttribute('data-plate-id', String(p.id))
  await expect(input).toHaveValue('ABC/1234')
  await input.fill('abd/1234')
  await expect(input).toHaveValue('ABD/1234')
  await input.press('Enter')
  await expect.poll(() => query<{ text: string }>('SELECT text FROM plates WHERE id = ?', p.id).text).toBe('ABD\n1234')
})

test('the Export screen writes YOLO pose labels with the corners as keypoints', async () => {
  const out = mkdtempSync(join(tmpdir(), 'platedesk-corners-yolo-'))
  await page.goto(`${app.url}#/export`)
  await page.getByRole('combobox', { name: 'Format' }).click()
  await page.getByRole('option', { name: 'YOLO (detector)' }).click()
  await page.getByRole('combobox', { name: 'YOLO labels' }).click()
  await page.getByRole('option', { name: 'Pose (box + 4 corners)' }).click()
  await page.getByTestId('export-out').fill(out)
  await page.getByTestId('export-run').click()
  await expect(page.getByTestId('export-progress')).toHaveAttribute('data-state', 'done', { timeout: 30_000 })
  expect(readFileSync(join(out, 'data.yaml'), 'utf8')).toContain('kpt_shape: [4, 3]')
  const rows = ['train', 'val', 'test'].flatMap((s) => readdirSync(join(out, 'labels', s)).map((f) => readFileSync(join(out, 'labels', s, f), 'utf8').trim()))
  const withCorners = rows.filter((r) => r && !r.endsWith(' 0'))
  expect(withCorners).toHaveLength(1) // B21GSB, corners moved by the first test
  expect(withCorners[0].split(' ')).toHaveLength(17)
})
