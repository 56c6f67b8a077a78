// Labels you can trust, through the UI against the real backend (web mode, real models, real SQLite):
// an unreadable plate is kept as 'illegible' (Ctrl+I, and in the New plate dialog); plate text is Unicode
// and never stripped or cut, with a warning for characters the OCR model lacks; one search syntax with
// literal _ and %, region in any case, folder by substring; a history with crops, old → new text,
// filters and redo; a detection export that leaves partly reviewed images out and says so.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import Database from 'better-sqlite3'
import { expect, test, type Page } from '@playwright/test'
import { IMAGES, SCREENSHOTS, missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'
import { currentPlateId as shownPlateId } from './helpers/review'

const why = missingPrerequisite()
test.describe.configure({ mode: 'serial' })
test.skip(!!why, why ?? '')
if (why) console.log(`labels.spec: skipped: ${why}`)

let app: RunningApp
let page: Page
/** the imported folder: its name has an upper-case part and an underscore, for the folder filter */
let folder: string

interface Row {
  id: number
  media_id: number
  text: string
  review_state: string
  model_text: string | null
  region: string | null
}
function rows(where = '1', ...params: unknown[]): Row[] {
  const d = new Database(app.dbPath, { readonly: true, fileMustExist: true })
  try {
    return d.prepare(`SELECT id, media_id, text, review_state, model_text, region FROM plates WHERE ${where} ORDER BY id`).all(...params) as Row[]
  } finally {
    d.close()
  }
}
const plate = (id: number): Row => rows('id = ?', id)[0]
const platesText = (n: number): string => `${n.toLocaleString('en-US')} plate${n === 1 ? '' : 's'}`

async function shot(name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) })
}

const currentPlateId = (): Promise<number> => shownPlateId(page)

async function showState(label: string): Promise<void> {
  await page.getByTestId('filter-state').locator('..').click()
  await page.getByRole('option', { name: label, exact: true }).click()
}

test.beforeAll(async ({ browser }) => {
  app = await startApp()
  page = await browser.newPage()
  const root = mkdtempSync(join(tmpdir(), 'platedesk-labels-src-'))
  folder = join(root, 'Cam_Front')
  mkdirSync(folder)
  // the first images of the fixtures, among them several with two or three plates
  const files = readdirSync(IMAGES).sort().filter((f) => f.startsWith('dayride_type1_001')).slice(0, 8)
  for (const f of files) copyFileSync(join(IMAGES, f), join(folder, f))
  await app.call('library.import', { paths: [folder] })
  await expect.poll(async () => (await app.call<{ state: string } | null>('import.status'))?.state, { timeout: 90_000 }).toBe('done')
  expect(rows().length).toBeGreaterThan(8)
})
test.afterAll(async () => {
  await page?.close()
  await app?.stop()
})

test('an unreadable plate is kept as illegible: Ctrl+I in review, a checkbox in the New plate dialog', async () => {
  await openApp(page, app, '#/review')
  const input = page.getByTestId('plate-input')
  await expect(input).toBeFocused()
  await expect(page.getByTestId('btn-illegible')).toBeVisible()
  const first = await currentPlateId()
  // (the least certain plate is often one the OCR read no text from: before, it could only be rejected)
  // the text field has the focus: Ctrl+I (not a letter) marks it illegible and moves on
  await page.keyboard.press('Control+i')
  await expect.poll(() => plate(first).review_state).toBe('illegible')
  expect(plate(first).text).toBe('')
  await expect.poll(currentPlateId).not.toBe(first)

  // a missed plate nobody can read: draw it, tick illegible, save without text
  const mediaId = Number(await page.getByTestId('frame').getAttribute('data-media-id'))
  await page.keyboard.press('Alt+b')
  await expect(page.getByTestId('draw-hint')).toBeVisible()
  const box = (await page.getByTestId('frame').boundingBox())!
  const x = box.x + box.width * 0.05
  const y = box.y + box.height * 0.05
  await page.mouse.move(x, y)
  await page.mouse.down()
  await page.mouse.move(x + 50, y + 15, { steps: 4 })
  await page.mouse.move(x + 90, y + 28, { steps: 4 })
  await page.mouse.up()
  await expect(page.getByTestId('new-plate-input')).toBeFocused()
  await expect(page.getByTestId('new-plate-save')).toBeDisabled() // no text, not illegible: nothing to save
  await page.getByLabel(/Illegible: a plate/).check()
  await expect(page.getByTestId('new-plate-save')).toBeEnabled()
  await page.getByTestId('new-plate-save').click()
  await expect(page.getByTestId('new-plate-input')).toBeHidden()
  await expect.poll(() => rows("media_id = ? AND model_text IS NULL AND review_state = 'illegible'", mediaId).length).toBe(1)
  expect(rows("media_id = ? AND model_text IS NULL AND review_state = 'illegible'", mediaId)[0].text).toBe('')

  // both are found under "Illegible"
  await showState('Illegible')
  await expect(page.getByTestId('queue-total')).toHaveText(platesText(2))
  await showState('To review')
})

test('plate text is Unicode: Cyrillic and ß kept, a long paste kept whole, missing characters warned about', async () => {
  const input = page.getByTestId('plate-input')
  // the queue has switched back to the plates to review (not still showing an illegible one)
  await expect(page.getByTestId('queue-total')).toHaveText(platesText(rows("review_state = 'unreviewed'").length))
  await expect.poll(async () => plate(await currentPlateId()).review_state).toBe('unreviewed')
  await input.focus()
  const a = await currentPlateId()
  await page.keyboard.type('в75 мсу')
  await expect(input).toHaveValue('В75МСУ')
  // the default recogniser reads 0-9 and A-Z only: the Cyrillic letters are named, the text is kept
  await expect(page.getByTestId('alphabet-warning')).toHaveAttribute('data-missing', 'ВМСУ')
  await shot('review-unicode')
  await page.keyboard.press('Enter')
  await expect.poll(() => plate(a).text).toBe('В75МСУ')
  expect(['corrected', 'manual']).toContain(plate(a).review_state)

  await expect.poll(currentPlateId).not.toBe(a)
  const b = await currentPlateId()
  await page.keyboard.insertText('ABCDEFGHIJKLMNOPQRSTUVWXYZ') // a paste: 26 letters, not cut to 16
  await expect(input).toHaveValue('ABCDEFGHIJKLMNOPQRSTUVWXYZ')
  await expect(page.getByTestId('alphabet-warning')).toHaveCount(0)
  await page.keyboard.press('Enter')
  await expect.poll(() => plate(b).text).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZ')

  await expect.poll(currentPlateId).not.toBe(b)
  const c = await currentPlateId()
  await page.keyboard.type('straße')
  await expect(input).toHaveValue('STRAßE') // not STRASSE
  await expect(page.getByTestId('alphabet-warning')).toHaveAttribute('data-missing', 'ß')
  await page.keyboard.press('Enter')
  await expect.poll(() => plate(c).text).toBe('STRAßE')
})

test('one search syntax: substring with * and ?, literal _ and %; region in any case; folder by substring', async () => {
  // known texts on four unreviewed plates (through the API, like another reviewer)
  const free = rows("review_state = 'unreviewed'").slice(0, 4)
  const texts = ['XB21Y', '2101AB', 'A_B1', 'AXB1']
  for (const [i, t] of texts.entries()) await app.call('plates.correct', { id: free[i].id, text: t })
  await showState('All')
  const total = rows().length
  await expect(page.getByTestId('queue-total')).toHaveText(platesText(total))
  const search = page.getByTestId('filter-text')
  const expectHits = async (q: string, re: RegExp): Promise<void> => {
    // the editor takes the focus when it shows a new plate: wait for it before typing in the search box
    await currentPlateId()
    await search.fill(q)
    await expect(search).toHaveValue(q)
    const want = rows().filter((r) => re.test(r.text))
    expect(want.length, `plates matching ${q}`).toBeGreaterThan(0)
    await expect(page.getByTestId('queue-total')).toHaveText(platesText(want.length))
    for (const r of want.slice(0, 3)) await expect(page.getByTestId(`queue-row-${r.id}`)).toBeVisible()
  }
  await expectHits('b21', /B21/) // a substring, any case
  await expectHits('1?1', /1.1/) // ? within the text, not the whole text
  await expectHits('a_b', /A_B/) // _ is an underscore, not a wildcard
  await expectHits('a?b1', /A.B1/)
  await currentPlateId()
  await search.fill('')
  await expect(page.getByTestId('queue-total')).toHaveText(platesText(total))
  await currentPlateId()

  await page.getByTestId('filter-more').click()
  const regions = rows('region IS NOT NULL').map((r) => r.region!)
  expect(regions.length).toBeGreaterThan(0)
  const region = regions[0]
  await page.getByTestId('filter-region').fill(region.toUpperCase())
  await expect(page.getByTestId('queue-total')).toHaveText(platesText(regions.filter((r) => r.toLowerCase() === region.toLowerCase()).length))
  await currentPlateId()
  await page.getByTestId('filter-region').fill('')
  await expect(page.getByTestId('queue-total')).toHaveText(platesText(total))
  await currentPlateId()
  await page.getByTestId('filter-folder').fill('cam_front') // part of the path, any case
  await expect(page.getByTestId('queue-total')).toHaveText(platesText(total))
  await currentPlateId()
  await page.getByTestId('filter-folder').fill('cam%front') // % is literal too
  await expect(page.getByTestId('queue-total')).toHaveText(platesText(0))
  await page.getByTestId('filter-folder').fill(basename(readdirSync(folder)[0])) // a file name is not a folder
  await expect(page.getByTestId('queue-total')).toHaveText(platesText(0))
  await page.getByTestId('filter-folder').fill('')
  await expect(page.getByTestId('queue-total')).toHaveText(platesText(total))
})

test('history: crop, old → new text, who and when on every row; filters by plate, change and date; redo', async () => {
  const confirmed = rows("review_state = 'unreviewed' AND text <> ''")[0]
  await app.call('plates.confirm', { id: confirmed.id })
  await page.getByTestId('nav-history').click()
  const table = page.getByTestId('history-table')
  await expect(table).toBeVisible()
  const d = new Database(app.dbPath, { readonly: true })
  const hist = d.prepare('SELECT id, plate_id, action, by, old_value FROM history ORDER BY id').all() as { id: number; plate_id: number; action: string; by: string; old_value: string | null }[]
  d.close()
  const conf = hist.find((h) => h.action === 'confirm' && h.plate_id === confirmed.id)!
  const confRow = page.getByTestId(`history-${conf.id}`)
  // a confirm row names the plate's text and shows its crop, not just "#id"
  await expect(page.getByTestId(`history-text-${conf.id}`)).toHaveText(confirmed.text)
  await expect(page.getByTestId(`history-crop-${conf.id}`).locator('img')).toBeVisible()
  await expect(confRow).toContainText(conf.by)
  await shot('history-labels')
  const cyr = rows("text = 'В75МСУ'")[0]
  const corr = hist.find((h) => h.plate_id === cyr.id && h.action === 'correct')!
  const before = (h: { old_value: string | null }): string => (JSON.parse(h.old_value!) as { text: string }).text || '∅'
  await expect(page.getByTestId(`history-text-${corr.id}`)).toHaveText(`${before(corr)} → В75МСУ`)
  const ill = hist.find((h) => h.action === 'illegible')!
  await expect(page.getByTestId(`history-text-${ill.id}`)).toHaveText(before(ill) === '∅' ? '∅' : `${before(ill)} → ∅`)

  // filters: change, plate (same syntax as the search), date
  await page.getByTestId('history-filter-action').locator('..').click()
  await page.getByRole('option', { name: 'confirm', exact: true }).click()
  await expect(page.getByTestId('history-total')).toHaveText(`(${hist.filter((h) => h.action === 'confirm').length})`)
  await expect(table.locator('tr[data-action]:not([data-action="confirm"])')).toHaveCount(0)
  await page.getByTestId('history-filter-action').locator('..').click()
  await page.getByRole('option', { name: 'Any', exact: true }).click()
  await page.getByTestId('history-filter-plate').fill('в75')
  await expect(page.getByTestId('history-total')).toHaveText('(1)')
  await expect(page.getByTestId(`history-${corr.id}`)).toBeVisible()
  await page.getByTestId('history-filter-plate').fill('')
  await page.getByTestId('history-filter-to').fill('2000-01-01')
  await expect(page.getByTestId('history-total')).toHaveText('(0)')
  await page.getByTestId('history-filter-to').fill('')
  await expect(page.getByTestId('history-total')).toHaveText(`(${hist.length})`)

  // undo the Cyrillic correction, then redo it from its undo row
  await page.getByTestId(`undo-${corr.id}`).click()
  await expect.poll(() => plate(cyr.id).text).toBe(before(corr).replace('∅', ''))
  const d2 = new Database(app.dbPath, { readonly: true })
  const undoId = (d2.prepare("SELECT id FROM history WHERE action = 'undo' AND plate_id = ? ORDER BY id DESC").get(cyr.id) as { id: number }).id
  d2.close()
  await page.getByTestId(`redo-${undoId}`).click()
  await expect.poll(() => plate(cyr.id).text).toBe('В75МСУ')
  await expect(page.getByTestId(`redo-${undoId}`)).toHaveCount(0) // that undo is itself undone now
})

test('a YOLO export takes only fully decided images, and says how many it left out and why', async () => {
  /** per media: labels and undecided plates, when unreviewed plates at or above minConf count as labels */
  const expected = (minConf: number) => {
    const d = new Database(app.dbPath, { readonly: true })
    const all = d.prepare('SELECT media_id, review_state, confidence FROM plates').all() as { media_id: number; review_state: string; confidence: number }[]
    d.close()
    const media = new Map<number, { labels: number; undecided: number }>()
    for (const r of all) {
      const m = media.get(r.media_id) ?? { labels: 0, undecided: 0 }
      if (r.review_state === 'unreviewed' && r.confidence < minConf) m.undecided++
      else if (r.review_state !== 'rejected') m.labels++
      media.set(r.media_id, m)
    }
    const list = [...media.values()]
    return {
      media,
      partly: list.filter((m) => m.labels > 0 && m.undecided > 0).length,
      untouched: list.filter((m) => m.labels === 0 && m.undecided > 0).length,
      whole: list.filter((m) => m.labels > 0 && m.undecided === 0).length
    }
  }
  const labelFiles = (out: string): string[] => ['train', 'val', 'test'].flatMap((s) => readdirSync(join(out, 'labels', s)).map((f) => join(out, 'labels', s, f)))
  const checkExport = (out: string, e: ReturnType<typeof expected>): void => {
    const files = labelFiles(out)
    expect(files.length).toBe(e.whole)
    for (const f of files) {
      const m = e.media.get(Number(/_m(\d+)\.txt$/.exec(f)![1]))!
      expect(m.undecided).toBe(0)
      expect(readFileSync(f, 'utf8').trim().split('\n').filter(Boolean)).toHaveLength(m.labels)
    }
  }

  const reviewedOnly = expected(2)
  expect(reviewedOnly.partly).toBeGreaterThan(0)
  await page.getByTestId('nav-export').click()
  const out = join(app.dir, 'yolo')
  await page.getByTestId('export-out').fill(out)
  await page.getByTestId('export-run').click()
  await expect(page.getByTestId('export-progress')).toHaveAttribute('data-state', 'done', { timeout: 60_000 })
  const left = page.getByTestId('export-left-out')
  await expect(left).toBeVisible()
  await expect(left).toHaveAttribute('data-partly', String(reviewedOnly.partly))
  await expect(left).toHaveAttribute('data-unreviewed', String(reviewedOnly.untouched))
  await shot('export-left-out')
  await expect(left).toContainText(new RegExp(`^${reviewedOnly.partly + reviewedOnly.untouched} images? left out`))
  checkExport(out, reviewedOnly)

  // the opt-in: unreviewed detections at or above 50% are taken as labels
  await page.getByTestId('export-unreviewed').check()
  await page.getByRole('slider').focus()
  await page.keyboard.press('Home') // the slider's minimum, 50%
  await page.getByLabel('Overwrite a non-empty folder').check()
  const above = expected(0.5)
  expect(above.whole).toBeGreaterThan(reviewedOnly.whole)
  await page.getByTestId('export-run').click()
  // the previous job's "done" is still on screen for a moment: wait for this job's result
  await expect(async () => {
    await expect(page.getByTestId('export-progress')).toHaveAttribute('data-state', 'done', { timeout: 1000 })
    checkExport(out, above)
  }).toPass({ timeout: 60_000 })
  if (above.partly + above.untouched === 0) await expect(page.getByTestId('export-left-out')).toHaveCount(0)
  else await expect(page.getByTestId('export-left-out')).toHaveAttribute('data-partly', String(above.partly))
})
