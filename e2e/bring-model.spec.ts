// Models you bring, in the browser against the real backend (web mode): Settings → Models → Add model…
// with typed paths (a missing file and a mismatched plate_config.yaml are refused with the backend's
// error, naming the file; the right pair is added and listed as yours), then the Evaluate screen compares
// it with the built-in recogniser on a library's reviewed plates (side-by-side table, disagreements with
// crops), and Remove takes it out again.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { FIXTURES, MODELS_DIR, SCREENSHOTS, missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'
import { buildFixtureLibrary } from '../test/export/fixture-library'

let app: RunningApp
let tmp: string
let libDir: string

test.beforeAll(async () => {
  const why = missingPrerequisite()
  test.skip(!!why, why ?? '')
  tmp = mkdtempSync(join(tmpdir(), 'platedesk-e2e-bring-'))
  // a library whose plates are reviewed (plates.tsv texts in every review state)
  const fx = buildFixtureLibrary(FIXTURES)
  fx.lib.close()
  libDir = fx.dir
  app = await startApp({ dbPath: fx.file, env: { XDG_CONFIG_HOME: join(tmp, 'config') } })
})

test.afterAll(async () => {
  await app?.stop()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
  if (libDir) rmSync(libDir, { recursive: true, force: true })
})

test('Settings → Models → Add, Evaluate side by side, Remove', async ({ page }) => {
  const onnx = join(tmp, 'my_cct.onnx')
  copyFileSync(join(MODELS_DIR, 'cct_xs_v1_global.onnx'), onnx)
  const yaml = readFileSync(join(MODELS_DIR, 'cct_xs_v1_global_plate_config.yaml'), 'utf8')
  const good = join(tmp, 'plate_config.yaml')
  writeFileSync(good, yaml)
  const wrong = join(tmp, 'wrong_plate_config.yaml')
  writeFileSync(wrong, yaml.replace('max_plate_slots: 9', 'max_plate_slots: 7'))

  await openApp(page, app, '#/settings')
  await page.getByTestId('settings-models-add').click()
  const dialog = page.getByTestId('add-model-dialog')
  await expect(dialog).toBeVisible()
  await page.getByTestId('add-model-path').fill(join(tmp, 'nope.onnx'))
  await page.getByTestId('add-model-submit').click()
  await expect(page.getByTestId('add-model-error')).toHaveText(`${join(tmp, 'nope.onnx')}: no such file`)

  await page.getByTestId('add-model-path').fill(onnx)
  await page.getByTestId('add-model-config').fill(wrong)
  await page.getByTestId('add-model-id').fill('my-cct')
  await page.getByTestId('add-model-submit').click()
  await expect(page.getByTestId('add-model-error')).toContainText(`${onnx}: output "Identity:0" is [1, 9, 37]`)
  await expect(page.getByTestId('add-model-error')).toContainText('max_plate_slots 7')
  await expect(page.getByTestId('add-model-error')).toContainText('the config does not belong to this model')
  expect(existsSync(join(tmp, 'config', 'PlateDesk', 'models', 'my-cct.onnx'))).toBe(false)

  await page.getByTestId('add-model-config').fill(good)
  await page.getByTestId('add-model-submit').click()
  await expect(dialog).toBeHidden()
  const row = page.getByTestId('models-row-my-cct')
  await expect(row).toContainText('yours')
  await expect(row.getByText('ok', { exact: true })).toBeVisible()
  expect(existsSync(join(tmp, 'config', 'PlateDesk', 'models', 'my-cct.onnx'))).toBe(true)

  // Evaluate: the built-in v2 and the added model on the reviewed plates
  await page.getByTestId('nav-evaluate').click()
  await page.getByTestId('evaluate-model-cct-xs-v2-global').check()
  await page.getByTestId('evaluate-model-my-cct').check()
  await page.getByTestId('evaluate-run').click()
  await expect(page.getByTestId('evaluate-summary')).toContainText(/\d+ reviewed plates · \d+ read differently/, { timeout: 60_000 })
  const table = page.getByTestId('evaluate-table')
  await expect(table.locator('thead')).toContainText('cct-xs-v2-global')
  await expect(table.locator('thead')).toContainText('my-cct')
  await expect(page.getByTestId('evaluate-exact').locator('td')).toHaveCount(3)
  await expect(page.getByTestId('evaluate-exact')).toContainText(/\d+\.\d% \(\d+\/\d+\)/)
  await expect(page.getByTestId('evaluate-region-row').first()).toBeVisible()
  await expect(page.getByTestId('evaluate-source-row').first()).toBeVisible()
  const api = await app.call<{ plates: number; disagreementCount: number; models: { exact: number }[] }>('eval.compare', { recognizers: ['cct-xs-v2-global', 'my-cct'] })
  await expect(page.getByTestId('evaluate-summary')).toHaveText(`${api.plates} reviewed plates · ${api.disagreementCount} read differently`)
  expect(api.disagreementCount).toBeGreaterThan(0)
  const rows = page.getByTestId('evaluate-disagreement')
  await expect(rows).toHaveCount(api.disagreementCount)
  // each disagreement shows its crop (decoded by the backend) and both reads
  await expect(rows.first().locator('img')).toBeVisible()
  await expect(rows.first().locator('td')).toHaveCount(4)
  await page.screenshot({ path: join(SCREENSHOTS, 'evaluate.png') })

  // Remove: gone from the list and from the folder
  await page.getByTestId('nav-settings').click()
  await page.getByTestId('models-remove-my-cct').click()
  await expect(page.getByTestId('models-row-my-cct')).toBeHidden()
  expect(existsSync(join(tmp, 'config', 'PlateDesk', 'models', 'my-cct.onnx'))).toBe(false)
  await expect(page.getByTestId('models-row-cct-xs-v1-global')).toBeVisible()
})
