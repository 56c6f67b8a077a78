// The main flow through the UI against the real backend (web mode, real models, real SQLite): import the
// fixtures, review with the keyboard, correct by typing, reject, draw a missed plate, undo, then find
// every change in the history screen and in the database file itself.
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { expect, test, type Page } from '@playwright/test'
import { IMAGES, ROOT, SCREENSHOTS, missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'
import { currentPlateId as shownPlateId } from './helpers/review'
import { growLibrary } from './helpers/library'

interface Row {
  id: number
  text: string
  review_state: string
  model_text: string | null
}

const why = missingPrerequisite()
test.describe.configure({ mode: 'serial' })
test.skip(!!why, why ?? '')
if (why) console.log(`review.spec: skipped: ${why}`)

let app: RunningApp
let page: Page

const UPDATE_DOCS = process.env.PLATEDESK_UPDATE_DOCS === '1'
const DOCS_SHOTS = join(ROOT, 'docs/screenshots')
/** name → content hash of the committed screenshots */
function docsShots(): Record<string, string> {
  if (!existsSync(DOCS_SHOTS)) return {}
  return Object.fromEntries(readdirSync(DOCS_SHOTS).map((f) => [f, createHash('sha256').update(readFileSync(join(DOCS_SHOTS, f))).digest('hex')]))
}
const docsBefore = docsShots()

function db(): Database.Database {
  return new Database(app.dbPath, { readonly: true, fileMustExist: true })
}
function plateRow(id: number): Row {
  const d = db()
  try {
    return d.prepare('SELECT id, text, review_state, model_text FROM plates WHERE id = ?').get(id) as Row
  } finally {
    d.close()
  }
}
async function shot(name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const file = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path: file })
  return file
}
const currentPlateId = (): Promise<number> => shownPlateId(page)

test.beforeAll(async ({ browser }) => {
  app = await startApp()
  page = await browser.newPage()
})
test.afterAll(async () => {
  await page?.close()
  await app?.stop()
})

test('imports the fixture folder through the UI with live progress', async () => {
  await openApp(page, app)
  await page.getByTestId('import-path').fill(IMAGES)
  await page.getByTestId('import-start').click()
  const progress = page.getByTestId('import-progress')
  await expect(progress).toBeVisible()
  await expect(progress).toHaveAttribute('data-state', 'done', { timeout: 60_000 })
  await expect(page.getByTestId('import-files')).toHaveText('24 / 24')
  await expect(page.locator('[data-testid^="media-"]').first()).toBeVisible()
  await expect(page.getByTestId('header-stats')).toContainText('24 files')
  await page.waitForTimeout(500) // thumbnails
  await shot('library')
})

test('reviews with the keyboard: correct by typing, reject, confirm with Enter', async () => {
  await page.getByTestId('nav-review').click()
  const input = page.getByTestId('plate-input')
  await expect(input).toBeFocused()

  // the queue is least certain first, like the API's default order
  const queue = await app.call<{ items: { id: number }[]; total: number }>('plates.list', { filter: { state: 'unreviewed' }, limit: 5 })
  expect(queue.total).toBeGreaterThan(3)
  await expect(page.getByTestId('queue-total')).toHaveText(`${queue.total} plates`)
  const first = await currentPlateId()
  expect(first).toBe(queue.items[0].id)

  // 1. correct by typing: the text is selected, typing replaces it, Enter saves and moves on
  // (a plate the OCR could not read at all becomes 'manual' once typed, a misread one 'corrected')
  const expected = plateRow(first).model_text == null ? 'manual' : 'corrected'
  await page.keyboard.type('b123 tst')
  await expect(input).toHaveValue('B123TST')
  await page.keyboard.press('Enter')
  await expect.poll(() => plateRow(first).review_state).toBe(expected)
  expect(plateRow(first).text).toBe('B123TST')
  await expect.poll(currentPlateId).toBe(queue.items[1].id)
  await expect(input).toBeFocused()

  // 2. reject a false positive with Delete
  const second = queue.items[1].id
  await page.keyboard.press('Delete')
  await expect.poll(() => plateRow(second).review_state).toBe('rejected')
  await expect.poll(currentPlateId).toBe(queue.items[2].id)

  // 3. wildcard search, pick a plate in the list, Enter confirms it unchanged
  await page.getByTestId('filter-text').fill('B*')
  const bs = await app.call<{ total: number }>('plates.list', { filter: { state: 'unreviewed', text: 'B*' }, limit: 1 })
  expect(bs.total).toBeGreaterThan(1)
  await expect(page.getByTestId('queue-total')).toHaveText(`${bs.total} plates`)
  await page.locator('[data-testid^="queue-row-"]').first().click()
  await expect(input).toBeFocused()
  const third = await currentPlateId()
  const text = await input.inputValue()
  expect(text).toMatch(/B/) // a substring search: B anywhere in the plate
  await expect(page.getByTestId('char-confidence').locator('[data-confidence]')).toHaveCount(text.length)
  await page.waitForTimeout(400) // crop and frame images
  await shot('review-search')
  await page.keyboard.press('Enter')
  await expect.poll(() => plateRow(third).review_state).toBe('confirmed')
  expect(plateRow(third).text).toBe(text)
  await expect.poll(currentPlateId).not.toBe(third) // and on to the next
})

test('draws a missed plate on the frame, then undoes it with Ctrl+Z', async () => {
  const frame = page.getByTestId('frame')
  await expect(frame).toBeVisible()
  const shown = await app.call<{ mediaId: number; frameIdx: number }>('plates.get', { id: await currentPlateId() })
  await expect(frame).toHaveAttribute('data-media-id', String(shown.mediaId))
  const mediaId = shown.mediaId
  // Alt+B draws, from the plate text field too, and types nothing into it
  const typed = await page.getByTestId('plate-input').inputValue()
  await page.keyboard.press('Alt+b')
  await expect(page.getByTestId('draw-hint')).toBeVisible()
  await expect(page.getByTestId('plate-input')).toHaveValue(typed)
  const box = (await frame.boundingBox())!
  const x = box.x + box.width * 0.1
  const y = box.y + box.height * 0.1
  await page.mouse.move(x, y)
  await page.mouse.down()
  await page.mouse.move(x + 40, y + 12, { steps: 4 })
  await page.mouse.move(x + 90, y + 26, { steps: 4 })
  await page.mouse.up()
  const newInput = page.getByTestId('new-plate-input')
  await expect(newInput).toBeFocused()
  await page.keyboard.type('TEST42')
  await page.keyboard.press('Enter')
  await expect(newInput).toBeHidden()

  const manual = (): Row | undefined => {
    const d = db()
    try {
      return d.prepare("SELECT id, text, review_state, model_text FROM plates WHERE text = 'TEST42' AND media_id = ?").get(mediaId) as Row | undefined
    } finally {
      d.close()
    }
  }
  await expect.poll(() => manual()?.review_state).toBe('manual')
  expect(manual()!.model_text).toBeNull()

  // the focus is back on the plate text; Ctrl+Z undoes the latest change: the drawn plate is withdrawn
  // (rejected), the entry marked undone
  await expect(page.getByTestId('plate-input')).toBeFocused()
  await page.keyboard.press('Control+z')
  await expect.poll(() => manual()?.review_state).toBe('rejected')
  const d = db()
  try {
    const add = d.prepare("SELECT undone_by FROM history WHERE plate_id = ? AND action = 'add'").get(manual()!.id) as { undone_by: number | null }
    expect(add.undone_by).not.toBeNull()
  } finally {
    d.close()
  }
})

test('finds every change in the history screen and in the database', async () => {
  await page.getByTestId('nav-history').click()
  const table = page.getByTestId('history-table')
  await expect(table).toBeVisible()
  for (const action of ['correct', 'reject', 'confirm', 'add', 'undo']) {
    await expect(table.locator(`tr[data-action="${action}"]`).first()).toBeVisible()
  }
  await shot('history')

  // the corrected plate's own page: its detail and history, with undo on an entry
  const d = db()
  let corrected: { plate_id: number; old_value: string; new_value: string; by: string }
  let counts: Record<string, number>
  try {
    corrected = d.prepare("SELECT plate_id, old_value, new_value, by FROM history WHERE action = 'correct'").get() as typeof corrected
    counts = Object.fromEntries(
      (d.prepare('SELECT action, COUNT(*) AS n FROM history GROUP BY action').all() as { action: string; n: number }[]).map((r) => [r.action, r.n])
    )
  } finally {
    d.close()
  }
  expect(counts).toMatchObject({ correct: 1, reject: 1, confirm: 1, add: 1, undo: 1 })
  expect(JSON.parse(corrected.new_value).text).toBe('B123TST')
  expect(corrected.by).toBeTruthy()

  await table.locator('tr[data-action="correct"] button').first().click()
  await expect(page).toHaveURL(new RegExp(`#/plate/${corrected.plate_id}$`))
  await expect(page.getByTestId('plate-detail')).toContainText('B123TST')
  const entry = page.locator('[data-testid="history-table"] tr[data-action="correct"]')
  await expect(entry).toHaveCount(1)
  await shot('plate-history')

  // undo that entry from the history: the plate goes back to the model's reading
  await entry.getByRole('button', { name: 'Undo' }).click()
  await expect.poll(() => plateRow(corrected.plate_id).review_state).toBe('unreviewed')
  await expect(page.getByTestId('plate-detail')).not.toContainText('B123TST')
})

test('settings and export screens render with live data', async () => {
  await page.getByTestId('nav-settings').click()
  await expect(page.getByTestId('models-table')).toContainText('ok')
  await shot('settings')
  await page.getByTestId('nav-export').click()
  await expect(page.getByTestId('export-run')).toBeVisible()
  const out = join(app.dir, 'export-csv')
  await page.getByRole('combobox', { name: 'Format' }).click()
  await page.getByRole('option', { name: 'CSV report' }).click()
  await page.getByTestId('export-out').fill(out)
  await page.getByTestId('export-run').click()
  await expect(page.getByTestId('export-progress')).toHaveAttribute('data-state', 'done', { timeout: 30_000 })
  await shot('export')
})

test('opens a plate from its link and shows it for review (the README screenshot)', async () => {
  // a well-read plate with the largest box: the clearest picture of the review screen
  const d = db()
  let id: number
  try {
    id = (
      d
        .prepare(
          // the confidence band is wide: the default OCR ensemble reads most fixture plates above 0.97
          "SELECT id FROM plates WHERE review_state = 'unreviewed' AND confidence BETWEEN 0.3 AND 0.999 AND x1 > 192 AND x2 < 1088 AND media_id IN (SELECT media_id FROM plates GROUP BY media_id HAVING COUNT(*) > 1) ORDER BY (x2 - x1) DESC LIMIT 1"
        )
        .get() as { id: number }
    ).id
  } finally {
    d.close()
  }
  await page.goto(`${app.url}#/review?plate=${id}`)
  await page.reload() // a fresh page: no leftover notifications in the picture
  await expect(page.getByTestId('plate-input')).toHaveAttribute('data-plate-id', String(id))
  await expect(page.getByTestId('plate-input')).toBeFocused()
  await expect(page.getByTestId('queue-position')).toHaveText(/^\d+ of \d+$/)
  await expect(page.locator(`[data-testid="queue-row-${id}"]`)).toHaveAttribute('aria-selected', 'true')
  await expect(page.getByTestId('candidates')).toBeVisible()
  await page.waitForTimeout(600) // crop and frame images
  const review = await shot('review')
  // the README's picture changes on purpose only (`npm run screenshots`), never as a side effect of a test run
  if (UPDATE_DOCS) {
    mkdirSync(DOCS_SHOTS, { recursive: true })
    copyFileSync(review, join(DOCS_SHOTS, 'review.png'))
  }
})

test('leaves the tracked docs/screenshots alone (only `npm run screenshots` writes there)', () => {
  test.skip(UPDATE_DOCS, 'updating the docs screenshots on purpose')
  expect(docsShots()).toEqual(docsBefore)
  expect(existsSync(join(SCREENSHOTS, 'review.png'))).toBe(true)
})

test('moves a box edge by dragging its handle', async () => {
  const id = await currentPlateId()
  const before = JSON.parse(JSON.stringify(await app.call<{ box: { x1: number; x2: number } }>('plates.get', { id }))).box
  const handle = page.getByTestId('handle-e')
  const hb = (await handle.boundingBox())!
  await page.mouse.move(hb.x + hb.width / 2, hb.y + hb.height / 2)
  await page.mouse.down()
  await page.mouse.move(hb.x + hb.width / 2 + 15, hb.y + hb.height / 2, { steps: 5 })
  await page.mouse.up()
  const box = (): { x1: number; x2: number } => {
    const d = db()
    try {
      return d.prepare('SELECT x1, x2 FROM plates WHERE id = ?').get(id) as { x1: number; x2: number }
    } finally {
      d.close()
    }
  }
  await expect.poll(() => box().x2).toBeGreaterThan(before.x2 + 5)
  expect(box().x1).toBeCloseTo(before.x1, 0)
  const d = db()
  try {
    expect(d.prepare("SELECT COUNT(*) AS n FROM history WHERE plate_id = ? AND action = 'box'").get(id)).toEqual({ n: 1 })
  } finally {
    d.close()
  }
})

test('bulk-confirms above a threshold after showing what it would confirm, and undoes the batch', async () => {
  const expected = await app.call<{ total: number }>('plates.list', { filter: { state: 'unreviewed', minConfidence: 0.95 }, limit: 1 })
  expect(expected.total).toBeGreaterThan(0)
  await page.getByTestId('btn-bulk').click()
  await expect(page.getByTestId('bulk-count')).toContainText(`${expected.total} plate`)
  await shot('bulk-confirm')
  await page.getByTestId('bulk-run').click()
  const bulk = (): number => {
    const d = db()
    try {
      return (d.prepare("SELECT COUNT(*) AS n FROM history WHERE action = 'bulk-confirm' AND undone_by IS NULL").get() as { n: number }).n
    } finally {
      d.close()
    }
  }
  await expect.poll(bulk).toBe(expected.total)
  await expect(page.getByTestId('plate-input')).toBeFocused()
  await page.keyboard.press('Control+z')
  await expect.poll(bulk).toBe(0)
})

test('scrolls a 50,000-plate queue with only the visible rows in the page', async () => {
  // grow the library to 50,000 plates straight in SQLite (copies of the real ones), then reload
  growLibrary(app.dbPath, 50_000)
  const total = (await app.call<{ total: number }>('plates.list', { filter: { state: 'all' }, limit: 1 })).total
  expect(total).toBe(50_000)
  await page.goto(`${app.url}#/review`)
  await page.getByTestId('filter-state').locator('..').click()
  await page.getByRole('option', { name: 'All' }).click()
  await expect(page.getByTestId('queue-total')).toHaveText('50,000 plates')
  const rows = page.locator('[data-testid="queue"] [data-index]')
  expect(await rows.count()).toBeLessThan(80)
  // jump to the end: the last rows load on demand and still only a screenful exists
  await page.getByTestId('queue').evaluate((el) => (el.scrollTop = el.scrollHeight))
  await expect(page.locator('[data-testid="queue"] [data-index="49999"]')).toBeVisible()
  await expect(page.locator('[data-testid="queue"] [data-index="49999"][data-testid^="queue-row-"]')).toBeVisible()
  expect(await rows.count()).toBeLessThan(80)
})
