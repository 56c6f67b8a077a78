// The Export screen against the real backend: a relative output folder is refused (UI and API) instead of
// landing in the app's working directory, and a new attempt clears the previous "Done" line.
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { IMAGES, ROOT, importAndWait, missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'

const why = missingPrerequisite()
test.describe.configure({ mode: 'serial' })
test.skip(!!why, why ?? '')

let app: RunningApp
let page: Page
const RELATIVE = 'platedesk-e2e-relative-export'

async function exportCsv(out: string): Promise<void> {
  await page.getByRole('combobox', { name: 'Format' }).click()
  await page.getByRole('option', { name: 'CSV report' }).click()
  await page.getByTestId('export-out').fill(out)
  await page.getByTestId('export-run').click()
}

test.beforeAll(async ({ browser }) => {
  app = await startApp()
  await importAndWait(app, [join(IMAGES, readdirSync(IMAGES).filter((f) => f.endsWith('.jpg')).sort()[0])])
  page = await browser.newPage()
  await openApp(page, app, '#/export')
})
test.afterAll(async () => {
  await page?.close()
  await app?.stop()
  rmSync(join(ROOT, RELATIVE), { recursive: true, force: true })
})

test('a relative output folder is refused with a clear message, in the screen and by the API', async () => {
  // the backend runs in the repository (startApp's cwd): that is where a relative path used to land
  rmSync(join(ROOT, RELATIVE), { recursive: true, force: true })
  await exportCsv(RELATIVE)
  await expect(page.getByTestId('export-out-error')).toContainText('relative path')
  await expect(page.getByTestId('export-progress')).toBeHidden()
  // the API says the same to any other caller
  await expect(app.call('export.run', { format: 'csv', outDir: RELATIVE })).rejects.toThrow(/400 .*relative path/)
  expect(existsSync(join(ROOT, RELATIVE))).toBe(false)
  // editing the path clears the message
  await page.getByTestId('export-out').fill(join(app.dir, 'ok'))
  await expect(page.getByTestId('export-out-error')).toBeHidden()
})

test('a failed export does not leave the previous "Done" line on screen', async () => {
  const out = join(app.dir, 'csv-out')
  await exportCsv(out)
  const progress = page.getByTestId('export-progress')
  await expect(progress).toHaveAttribute('data-state', 'done', { timeout: 30_000 })
  await expect(progress).toContainText(`written to ${out}`)
  // again into the same, now non-empty, folder without "overwrite": refused
  await page.getByTestId('export-run').click()
  await expect(page.getByTestId('export-error')).toContainText('not empty')
  await expect(progress).toBeHidden()
  await expect(page.getByText(/^Done:/)).toHaveCount(0)
})
