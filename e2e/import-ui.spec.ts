// The library's import card through the UI against the real backend: cancelling asks first and keeps the
// count of files really done; duplicates are reported (with the file they repeat); a failure's reason is
// not the path again.
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { expect, test, type Page } from '@playwright/test'
import { IMAGES, missingPrerequisite, openApp, photoVariants, startApp, type RunningApp } from './helpers/app'

const why = missingPrerequisite()
test.describe.configure({ mode: 'serial' })
test.skip(!!why, why ?? '')

let app: RunningApp
let page: Page

function itemCounts(jobId: number): Record<string, number> {
  const d = new Database(app.dbPath, { readonly: true, fileMustExist: true })
  try {
    const rows = d.prepare('SELECT state, COUNT(*) AS n FROM import_items WHERE job_id = ? GROUP BY state').all(jobId) as { state: string; n: number }[]
    return Object.fromEntries(rows.map((r) => [r.state, r.n]))
  } finally {
    d.close()
  }
}

/** starts an import through the card; returns its job id (the newest job, once it exists) */
async function startImport(path: string): Promise<number> {
  const before = (await app.call<{ jobId: number } | null>('import.status'))?.jobId ?? 0
  await page.getByTestId('import-path').fill(path)
  await page.getByTestId('import-start').click()
  let jobId = 0
  await expect.poll(async () => (jobId = (await app.call<{ jobId: number } | null>('import.status'))?.jobId ?? 0)).toBeGreaterThan(before)
  await expect(page.getByTestId('import-progress')).toContainText(`Import #${jobId}`)
  return jobId
}

test.beforeAll(async ({ browser }) => {
  app = await startApp()
  page = await browser.newPage()
  await openApp(page, app)
})
test.afterAll(async () => {
  await page?.close()
  await app?.stop()
})

test('cancel asks first; a cancelled import shows the files it really did, not the total', async () => {
  const dir = join(app.dir, 'many')
  const files = photoVariants(dir, 72)
  const jobId = await startImport(dir)
  // hold it once the first files are in, so it is cancelled part-way (like 166 of 192)
  await expect.poll(async () => (await app.call<{ filesDone: number }>('import.status')).filesDone, { intervals: [50], timeout: 60_000 }).toBeGreaterThan(0)
  await app.call('import.pause', { jobId })
  const progress = page.getByTestId('import-progress')
  await expect(progress).toHaveAttribute('data-state', 'paused')
  // the files in flight at the pause still finish: wait until nothing moves
  let last = -1
  await expect
    .poll(async () => {
      const now = (await app.call<{ filesDone: number }>('import.status')).filesDone
      const still = now === last
      last = now
      return still
    }, { intervals: [1000], timeout: 60_000 })
    .toBe(true)

  // Cancel asks; keeping on changes nothing
  await page.getByTestId('import-cancel').click()
  const dialog = page.getByTestId('import-cancel-dialog')
  await expect(dialog).toBeVisible()
  await expect(dialog).toContainText(`of ${files.length} files are done`)
  await page.getByTestId('import-cancel-keep').click()
  await expect(dialog).toBeHidden()
  await expect(progress).toHaveAttribute('data-state', 'paused')
  expect(itemCounts(jobId).cancelled ?? 0).toBe(0)

  await page.getByTestId('import-cancel').click()
  await page.getByTestId('import-cancel-confirm').click()
  await expect(progress).toHaveAttribute('data-state', 'cancelled')
  // files already in flight still land; then the card shows exactly what the database holds as done
  const doneInDb = (): number => {
    const c = itemCounts(jobId)
    return (c.done ?? 0) + (c.duplicate ?? 0) + (c.error ?? 0)
  }
  await expect.poll(async () => (await page.getByTestId('import-files').textContent()) === `${doneInDb()} / ${files.length}`).toBe(true)
  const c = itemCounts(jobId)
  const done = doneInDb()
  expect(done).toBeGreaterThan(0)
  expect(c.cancelled).toBeGreaterThan(0)
  expect(done + c.cancelled).toBe(files.length)
  const bar = progress.getByRole('progressbar')
  expect(Number(await bar.getAttribute('aria-valuenow'))).toBeLessThan(100)
  // and so after a reload (the count then comes from the database, where the bug was)
  await page.reload()
  await expect(page.getByTestId('import-progress')).toHaveAttribute('data-state', 'cancelled')
  await expect(page.getByTestId('import-files')).toHaveText(`${done} / ${files.length}`)
  expect(Number(await page.getByTestId('import-progress').getByRole('progressbar').getAttribute('aria-valuenow'))).toBeCloseTo((done / files.length) * 100, 0)
})

test('a duplicate file is reported with the file it repeats; a failure shows its reason without the path', async () => {
  const dir = join(app.dir, 'mixed')
  mkdirSync(dir, { recursive: true })
  const photos = readdirSync(IMAGES).filter((f) => f.endsWith('.jpg')).sort().slice(0, 2)
  for (const f of photos) copyFileSync(join(IMAGES, f), join(dir, f))
  copyFileSync(join(IMAGES, photos[0]), join(dir, 'copy-of-first.jpg'))
  writeFileSync(join(dir, 'broken.jpg'), Buffer.from('this is not a JPEG at all'))

  const jobId = await startImport(dir)
  const progress = page.getByTestId('import-progress')
  await expect(progress).toHaveAttribute('data-state', 'done', { timeout: 60_000 })
  await expect(page.getByTestId('import-files')).toHaveText('4 / 4')
  expect(itemCounts(jobId)).toMatchObject({ done: 2, duplicate: 1, error: 1 })

  // the duplicate: said in words, and which file it repeats
  await expect(page.getByTestId('import-duplicates-summary')).toHaveText('1 duplicate skipped')
  const row = page.getByTestId('duplicate-row')
  await expect(row).toHaveCount(1)
  const cells = (await row.locator('td').allTextContents()).sort()
  expect(cells).toEqual([join(dir, 'copy-of-first.jpg'), join(dir, photos[0])].sort())

  // the failure: the path in its column, the cause in the other, without the path again
  const failures = page.getByTestId('import-failures')
  await expect(failures).toContainText(join(dir, 'broken.jpg'))
  const reason = (await failures.getByTestId('failure-reason').first().textContent())!
  expect(reason.length).toBeGreaterThan(3)
  expect(reason).not.toContain(dir)
  const stored = await app.call<{ items: { path: string; error: string }[] }>('import.failures', { jobId })
  expect(stored.items[0].error).toContain(join(dir, 'broken.jpg')) // the backend's message still names the file (logs, CLI)
})
