// Team review in the browser (web mode, real models, real SQLite): a plate another reviewer holds (their
// process wrote its lease into the shared library file) is refused with their name and the screen moves
// on; double review switched on in Settings makes a decision a vote, a second reviewer's differing vote
// puts the plate in the Disputed filter, deciding it there settles it, and the agreement table counts it.
import Database from 'better-sqlite3'
import { expect, test, type Page } from '@playwright/test'
import { IMAGES, importAndWait, missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'

const why = missingPrerequisite()
test.describe.configure({ mode: 'serial' })
test.skip(!!why, why ?? '')

let app: RunningApp
let page: Page

/** what another reviewer's process does to the library file: here, one statement of it */
function write(sql: string, ...params: unknown[]): void {
  const d = new Database(app.dbPath, { fileMustExist: true })
  try {
    d.pragma('busy_timeout = 5000')
    d.prepare(sql).run(...params)
  } finally {
    d.close()
  }
}
function read<T>(sql: string, ...params: unknown[]): T {
  const d = new Database(app.dbPath, { readonly: true, fileMustExist: true })
  try {
    return d.prepare(sql).get(...params) as T
  } finally {
    d.close()
  }
}

async function showPlate(id: number): Promise<void> {
  await page.goto(`${app.url}#/review?plate=${id}`)
  await page.reload()
  await expect(page.getByTestId('plate-input')).toHaveAttribute('data-plate-id', String(id))
}

test.beforeAll(async ({ browser }) => {
  app = await startApp()
  page = await browser.newPage()
  await importAndWait(app, [IMAGES])
})
test.afterAll(async () => {
  await page?.close()
  await app?.stop()
})

test('deciding a plate another reviewer holds is refused with their name, and the review moves on', async () => {
  const { id } = read<{ id: number }>(`SELECT id FROM plates WHERE review_state = 'unreviewed' AND text <> '' ORDER BY confidence, id LIMIT 1`)
  await showPlate(id)
  write('INSERT INTO plate_leases (plate_id, holder, expires_at) VALUES (?, ?, ?)', id, 'ann', new Date(Date.now() + 10 * 60_000).toISOString())
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('notify')).toContainText('being reviewed by ann')
  await expect(page.getByTestId('plate-input')).not.toHaveAttribute('data-plate-id', String(id))
  expect(read<{ review_state: string }>('SELECT review_state FROM plates WHERE id = ?', id).review_state).toBe('unreviewed')
  write('DELETE FROM plate_leases WHERE plate_id = ?', id)
})

test('double review: a vote, a disagreement, the adjudication, the agreement table', async () => {
  await openApp(page, app, '#/settings')
  await page.getByTestId('double-review').locator('input').click()
  await expect.poll(() => app.call<{ doubleReview: boolean }>('settings.get').then((s) => s.doubleReview)).toBe(true)

  const { id } = read<{ id: number }>(`SELECT id FROM plates WHERE review_state = 'unreviewed' AND text <> '' ORDER BY confidence, id LIMIT 1`)
  await showPlate(id)
  await expect(page.getByTestId('double-review-on')).toBeVisible()
  await page.keyboard.press('Enter')
  await expect.poll(() => read<{ n: number }>('SELECT COUNT(*) AS n FROM review_votes WHERE plate_id = ?', id).n).toBe(1)
  const me = read<{ reviewer: string; text: string }>('SELECT reviewer, text FROM review_votes WHERE plate_id = ?', id)
  expect(read<{ review_state: string }>('SELECT review_state FROM plates WHERE id = ?', id).review_state).toBe('unreviewed')

  // bob (another process) rejects it: the two disagree
  write(`INSERT INTO review_votes (plate_id, reviewer, review_state, text, at) VALUES (?, 'bob', 'rejected', ?, ?)`, id, me.text, new Date().toISOString())
  await page.goto(`${app.url}#/review`)
  await page.reload()
  await page.getByTestId('filter-more').click()
  await page.getByTestId('filter-disputed').locator('input').click()
  await expect(page.getByTestId('queue-total')).toHaveText('1 plate')
  await expect(page.getByTestId('plate-input')).toHaveAttribute('data-plate-id', String(id))
  // the adjudication (the desktop user decides like an admin): settled
  await page.getByTestId('plate-input').focus()
  await page.keyboard.press('Enter')
  await expect.poll(() => read<{ review_state: string }>('SELECT review_state FROM plates WHERE id = ?', id).review_state).toBe('confirmed')

  await openApp(page, app, '#/settings')
  const table = page.getByTestId('agreement-table')
  await expect(table).toContainText(me.reviewer < 'bob' ? `${me.reviewer} + bob` : `bob + ${me.reviewer}`)
  await expect(table.getByRole('row').filter({ hasText: 'bob vs others' })).toContainText('0%')
  await expect(page.getByTestId('double-review-waiting')).toContainText('disputed, for an admin: 0')
})
