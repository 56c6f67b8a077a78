// The library screen's import controls: the failures list names each bad file and why, and a running
// import can be paused, resumed and cancelled from the UI.
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { IMAGES, SHARED, missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'

const why = missingPrerequisite()
test.skip(!!why, why ?? '')

let app: RunningApp
test.beforeEach(async () => {
  app = await startApp()
})
test.afterEach(async () => {
  await app?.stop()
})

test('lists the files that failed with their path and reason, and imports the rest', async ({ page }) => {
  const dir = join(app.dir, 'mixed')
  mkdirSync(dir)
  const good = readdirSync(IMAGES).filter((f) => f.endsWith('.jpg'))[0]
  copyFileSync(join(IMAGES, good), join(dir, good))
  writeFileSync(join(dir, 'truncated.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46]))
  await openApp(page, app)
  await page.getByTestId('import-path').fill(dir)
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('import-progress')).toHaveAttribute('data-state', 'done', { timeout: 60_000 })
  await expect(page.getByTestId('import-files')).toHaveText('2 / 2')
  const failures = page.getByTestId('import-failures')
  await expect(failures).toContainText('1 file could not be imported')
  await expect(failures).toContainText(join(dir, 'truncated.jpg'))
  const reason = await failures.locator('tbody tr td').nth(1).innerText()
  expect(reason.length).toBeGreaterThan(5)
  // both are in the library; the bad one is marked as unreadable, with its reason
  const grid = page.getByTestId('media-grid')
  await expect(grid.locator('[data-testid^="media-"]')).toHaveCount(2)
  await expect(grid.locator('[data-status="error"]')).toHaveCount(1)
  await expect(grid.locator('[data-status="error"]')).toContainText('truncated.jpg')
  await expect(grid.locator('[data-status="done"]')).toContainText(good)
})

const BIG = join(SHARED, 'datasets/romania-dashcam-full/valid/images')
test('pauses, resumes and cancels a running import', async ({ page }) => {
  test.skip(!existsSync(BIG), `no ${BIG}`)
  await openApp(page, app)
  await page.getByTestId('import-path').fill(BIG)
  await page.getByTestId('import-start').click()
  const progress = page.getByTestId('import-progress')
  await page.getByTestId('import-pause').click()
  await expect(progress).toHaveAttribute('data-state', 'paused')
  const paused = await app.call<{ filesDone: number; filesTotal: number }>('import.status', {})
  expect(paused.filesTotal).toBeGreaterThan(100)
  expect(paused.filesDone).toBeLessThan(paused.filesTotal)
  await page.waitForTimeout(1500)
  // nothing moves while paused
  expect((await app.call<{ filesDone: number }>('import.status', {})).filesDone).toBe(paused.filesDone)
  await page.getByTestId('import-resume').click()
  await expect(progress).toHaveAttribute('data-state', /running|queued/)
  await page.getByTestId('import-cancel').click()
  await page.getByTestId('import-cancel-confirm').click() // it asks first
  await expect(progress).toHaveAttribute('data-state', 'cancelled')
  const end = await app.call<{ state: string; filesDone: number; filesTotal: number }>('import.status', {})
  expect(end.state).toBe('cancelled')
  expect(end.filesDone).toBeLessThan(end.filesTotal)
  // the files in flight at the cancel still finish (up to a few seconds on a loaded machine) and count;
  // then the screen, reloaded, shows what was done (it used to become the total)
  await page.reload()
  await expect
    .poll(async () => {
      const s = await app.call<{ filesDone: number; filesTotal: number }>('import.status', {})
      const shown = await page.getByTestId('import-files').textContent()
      return s.filesDone < s.filesTotal && shown === `${s.filesDone.toLocaleString('en-US')} / ${s.filesTotal.toLocaleString('en-US')}` ? 'what was done' : `screen ${shown}, status ${s.filesDone} / ${s.filesTotal}`
    })
    .toBe('what was done')
})
