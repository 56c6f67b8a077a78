// Review at keyboard speed, against the real backend (web mode, real models, real SQLite): keys typed in
// the search box stay there; keys typed ahead of the screen all act, in order, on the plate shown when
// they were pressed; unsaved text survives moving between plates; the layout does not move between
// plates; and a 20-key burst ends as exactly those 20 decisions in the database.
import Database from 'better-sqlite3'
import { expect, test, type Page } from '@playwright/test'
import { missingPrerequisite, startApp, type RunningApp } from './helpers/app'
import { importFixtures } from './helpers/library'

interface Plate {
  id: number
  text: string
  review_state: string
}
interface Entry {
  id: number
  plate_id: number
  action: string
  new_value: string | null
}

const why = missingPrerequisite()
test.describe.configure({ mode: 'serial' })
test.skip(!!why, why ?? '')

let app: RunningApp
let page: Page

function query<T>(sql: string, ...params: unknown[]): T[] {
  const d = new Database(app.dbPath, { readonly: true, fileMustExist: true })
  try {
    return d.prepare(sql).all(...params) as T[]
  } finally {
    d.close()
  }
}
const plate = (id: number): Plate => query<Plate>('SELECT id, text, review_state FROM plates WHERE id = ?', id)[0]
const historySince = (afterId: number): Entry[] => query<Entry>('SELECT id, plate_id, action, new_value FROM history WHERE id > ? ORDER BY id', afterId)
const lastHistoryId = (): number => query<{ n: number | null }>('SELECT MAX(id) AS n FROM history')[0].n ?? 0

const input = (): ReturnType<Page['getByTestId']> => page.getByTestId('plate-input')
async function shownId(): Promise<number> {
  return Number(await input().getAttribute('data-plate-id'))
}
/** the unreviewed queue as the screen orders it */
async function unreviewed(n: number): Promise<{ id: number; text: string }[]> {
  return (await app.call<{ items: { id: number; text: string }[] }>('plates.list', { filter: { state: 'unreviewed' }, sort: 'confidence', limit: n })).items
}
async function openReview(plateId?: number): Promise<void> {
  await page.goto(`${app.url}#/review${plateId ? `?plate=${plateId}` : ''}`)
  await page.reload() // a fresh screen: no drafts, caches or notifications from the test before
  await expect(input()).toBeFocused()
}
async function showAll(): Promise<void> {
  await page.getByTestId('filter-state').locator('..').click()
  await page.getByRole('option', { name: 'All' }).click()
  await expect(page.getByRole('option', { name: 'All' })).toBeHidden()
}

test.beforeAll(async ({ browser }) => {
  app = await startApp()
  await importFixtures(app)
  page = await browser.newPage()
})
test.afterAll(async () => {
  await page?.close()
  await app?.stop()
})

test('keys typed in the search box stay there, slowly typed, while the list and the plate change', async () => {
  await openReview()
  await showAll()
  const before = lastHistoryId()
  const search = page.getByTestId('filter-text')
  await search.click()
  // 400 ms between keys: each pause lets the debounced search run and a new plate load under the box
  await search.pressSequentially('B21GSB', { delay: 400 })
  await page.waitForTimeout(800)
  await expect(search).toHaveValue('B21GSB')
  await expect(search).toBeFocused()
  await page.keyboard.press('Enter')
  await page.waitForTimeout(500)
  // nothing typed reached a plate: no draft, no decision
  await expect(page.getByTestId('draft-marker')).toHaveCount(0)
  expect(historySince(before)).toEqual([])
  // and the plate's own field still works once chosen
  await search.fill('')
  await expect(page.getByTestId('filter-text')).toHaveValue('')
  await page.locator('[data-testid^="queue-row-"]').first().click()
  await expect(input()).toBeFocused()
})

test('keys typed ahead of the screen all act, in order, on the plate shown when they were pressed', async () => {
  // Enter confirms only a plate with a text (an unread one asks for it): start where A, C, D, E have one
  const all = await unreviewed(40)
  const k = all.findIndex((_p, i) => [0, 2, 3, 4].every((d) => all[i + d]?.text) && all[i + 5])
  expect(k).toBeGreaterThanOrEqual(0)
  const q = all.slice(k, k + 6)
  await openReview(q[0].id)
  await expect.poll(shownId).toBe(q[0].id)
  await expect(page.getByTestId('queue-position')).toHaveText(new RegExp(`^${k + 1} of `))
  const before = lastHistoryId()

  // Enter, then a correction typed at once, then Enter: A confirmed, B corrected
  await page.keyboard.press('Enter')
  await page.keyboard.type('xy12abc')
  await page.keyboard.press('Enter')
  await expect.poll(shownId).toBe(q[2].id)

  // three Enters 40 ms apart: three plates confirmed
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press('Enter')
    await page.waitForTimeout(40)
  }
  await expect.poll(shownId).toBe(q[5].id)
  await expect.poll(() => historySince(before).length).toBe(5)
  const log = historySince(before)
  expect(log.map((e) => [e.plate_id, e.action])).toEqual([
    [q[0].id, 'confirm'],
    [q[1].id, 'correct'],
    [q[2].id, 'confirm'],
    [q[3].id, 'confirm'],
    [q[4].id, 'confirm']
  ])
  expect(plate(q[1].id).text).toBe('XY12ABC')
  expect(plate(q[0].id)).toMatchObject({ text: q[0].text, review_state: 'confirmed' })
  // the reviewed rows stay in the list with their new state, the next plates after them
  await expect(page.locator(`[data-testid="queue-row-${q[1].id}"]`)).toContainText('XY12ABC')
})

test('an unsaved text is kept as a draft when moving away and back, and Esc discards it', async () => {
  await openReview()
  const q = await unreviewed(2)
  await expect.poll(shownId).toBe(q[0].id)
  await page.keyboard.type('SS')
  await expect(input()).toHaveValue('SS')
  await page.keyboard.press('PageDown')
  await expect.poll(shownId).toBe(q[1].id)
  await expect(input()).toHaveValue(q[1].text)
  await expect(page.getByTestId('draft-marker')).toHaveCount(0)
  await page.keyboard.press('PageUp')
  await expect.poll(shownId).toBe(q[0].id)
  await expect(input()).toHaveValue('SS')
  // and it says so, on the plate and in the list
  await expect(page.getByTestId('draft-marker')).toBeVisible()
  await expect(page.locator(`[data-testid="queue-row-${q[0].id}"] [data-testid="queue-draft"]`)).toBeVisible()
  // a draft is not saved: the database still has the model's reading
  expect(plate(q[0].id)).toMatchObject({ text: q[0].text, review_state: 'unreviewed' })
  await page.keyboard.press('Escape')
  await expect(input()).toHaveValue(q[0].text)
  await expect(page.getByTestId('draft-marker')).toHaveCount(0)
  await expect(input()).toBeFocused()
})

test('the plate text, candidates, buttons and frame stay in place from one plate to the next', async () => {
  await openReview()
  await showAll()
  const where = async (testId: string): Promise<number> => Math.round((await page.getByTestId(testId).boundingBox())!.y)
  const seen: { chips: number; input: number; confirm: number; frame: number }[] = []
  for (let i = 0; i < 14; i++) {
    // the frame is drawn once the plate's full detail is in (candidates included)
    await expect(page.getByTestId('frame')).toHaveAttribute('data-media-id', /\d+/)
    await page.waitForTimeout(150)
    seen.push({
      chips: await page.getByTestId('candidates').locator('.MuiChip-root').count(),
      input: await where('plate-input'),
      confirm: await where('btn-confirm'),
      frame: await where('frame')
    })
    const id = await shownId()
    await page.keyboard.press('PageDown')
    await expect.poll(shownId).not.toBe(id)
  }
  // the plates differ in how many alternatives they have, and nothing moves
  expect(new Set(seen.map((s) => s.chips)).size).toBeGreaterThan(1)
  for (const k of ['input', 'confirm', 'frame'] as const) expect(new Set(seen.map((s) => s[k])), `${k} positions`).toEqual(new Set([seen[0][k]]))
})

test('a burst of 20 decisions typed 30 ms apart ends as exactly those 20 decisions, in order', async () => {
  await openReview()
  const q = await unreviewed(20)
  expect(q).toHaveLength(20)
  await expect.poll(shownId).toBe(q[0].id)
  const before = lastHistoryId()
  const expected: [number, string, string | null][] = []
  for (let i = 0; i < 20; i++) {
    // confirm, correct, reject in turn; a plate the OCR could not read is corrected (Enter needs a text)
    const kind = q[i].text ? i % 3 : 1
    if (kind === 0) {
      await page.keyboard.press('Enter')
      expected.push([q[i].id, 'confirm', null])
    } else if (kind === 1) {
      const text = `KB${i}XY`
      await page.keyboard.type(text, { delay: 30 })
      await page.waitForTimeout(30)
      await page.keyboard.press('Enter')
      expected.push([q[i].id, 'correct', text])
    } else {
      await page.keyboard.press('Delete')
      expected.push([q[i].id, 'reject', null])
    }
    await page.waitForTimeout(30)
  }
  await expect(page.getByTestId('saving')).toHaveCount(0, { timeout: 30_000 })
  await expect.poll(() => historySince(before).length).toBe(20)
  const log = historySince(before)
  expect(log.map((e) => [e.plate_id, e.action, e.action === 'correct' ? (JSON.parse(e.new_value!) as { text: string }).text : null])).toEqual(expected)
  for (const [id, action, text] of expected) {
    const p = plate(id)
    if (action === 'confirm') expect(p.review_state).toBe('confirmed')
    if (action === 'reject') expect(p.review_state).toBe('rejected')
    if (action === 'correct') expect([p.text, p.review_state === 'manual' ? 'corrected' : p.review_state]).toEqual([text, 'corrected'])
  }
  // the same decisions through the API's history, newest first
  const api = await app.call<{ items: { plateId: number; action: string }[] }>('history.list', { limit: 20 })
  expect(api.items.map((e) => [e.plateId, e.action]).reverse()).toEqual(expected.map(([id, a]) => [id, a]))
  await expect.poll(shownId).toBe((await unreviewed(1))[0].id)
})

test('Ctrl+Z pressed right after a decision undoes that decision, once it is saved', async () => {
  await openReview()
  const q = await unreviewed(2)
  await expect.poll(shownId).toBe(q[0].id)
  const before = lastHistoryId()
  await page.keyboard.press('Delete')
  await page.keyboard.press('Control+z')
  await expect.poll(() => historySince(before).map((e) => [e.plate_id, e.action])).toEqual([
    [q[0].id, 'reject'],
    [q[0].id, 'undo']
  ])
  expect(plate(q[0].id).review_state).toBe('unreviewed')
  await expect.poll(shownId).toBe(q[0].id) // the undone plate is shown again
  await expect(page.getByTestId('saving')).toHaveCount(0)
})

test('a decision the backend refuses is put back, with its typed text, and the next keys still act', async () => {
  await openReview()
  const q = await unreviewed(2)
  await expect.poll(shownId).toBe(q[0].id)
  // the plate vanishes behind the screen's back (another window, the command line): saving it must fail
  const w = new Database(app.dbPath)
  try {
    w.pragma('busy_timeout = 5000')
    w.pragma('foreign_keys = OFF')
    w.prepare('DELETE FROM plates WHERE id = ?').run(q[0].id)
  } finally {
    w.close()
  }
  const before = lastHistoryId()
  await page.keyboard.type('ZZ9')
  await page.keyboard.press('Enter')
  await expect.poll(shownId).toBe(q[1].id) // the screen moved on at once
  await expect(page.getByTestId('notify')).toContainText(`was not saved: plate ${q[0].id} not found`)
  // put back: the row as it was, the typed text a draft again
  await expect(page.locator(`[data-testid="queue-row-${q[0].id}"] [data-testid="queue-draft"]`)).toBeVisible()
  await page.keyboard.press('Enter') // the next plate is saved as usual
  await expect.poll(() => historySince(before).map((e) => e.plate_id)).toEqual([q[1].id])
  await page.keyboard.press('PageUp')
  await page.keyboard.press('PageUp')
  await expect.poll(shownId).toBe(q[0].id)
  await expect(input()).toHaveValue('ZZ9')
  await expect(page.getByTestId('draft-marker')).toBeVisible()
})
