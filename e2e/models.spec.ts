// First run without models: the app opens on an EMPTY models dir, says which files it needs, downloads
// them from a local server (ALPR_MODELS_BASE_URL) with a bar per file when the user clicks Download, and
// the dialog goes away once they verify; Settings → Models then lists them as ok.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { MODELS_DIR, ROOT, missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'

interface Entry {
  id: string
  file: string
  size: number
  default?: boolean
  bundled?: boolean
}
const manifest = JSON.parse(readFileSync(join(ROOT, 'models/manifest.json'), 'utf8')) as { models: Entry[] }
/** the manifest's defaults and the models the settings select: what the first-run download fetches */
async function neededModels(app: RunningApp): Promise<Entry[]> {
  const s = await app.call<{ detectorId: string; recognizerId: string }>('settings.get')
  const stem = (f: string): string => f.replace(/\.onnx$/i, '')
  const ids = [s.detectorId, ...s.recognizerId.split('+')].map(stem)
  // the default detector ships in models/ (bundled): the offer lists only what must be downloaded
  return manifest.models.filter((m) => !m.bundled && (m.default || ids.includes(m.id) || ids.includes(stem(m.file))))
}

let app: RunningApp
let server: Server
let tmp: string
let modelsDir: string
/** 'corrupt': every file at once with one byte flipped (checksum mismatch); 'slow': the real bytes, paced */
let serving: 'corrupt' | 'slow' = 'slow'

test.beforeAll(async () => {
  const why = missingPrerequisite()
  test.skip(!!why, why ?? '')
  tmp = mkdtempSync(join(tmpdir(), 'platedesk-e2e-models-'))
  modelsDir = join(tmp, 'models')
  mkdirSync(modelsDir)
  // serves the real files in 64 KiB pieces, 40 ms apart: each file takes a second or two, so the bars move
  // bundled models (committed in models/) are never downloaded
  const files = new Map(manifest.models.filter((m) => !m.bundled).map((m) => [`/${m.file}`, readFileSync(join(MODELS_DIR, m.file))]))
  server = createServer((req, res) => {
    const body = files.get(req.url ?? '')
    if (!body) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' })
    if (serving === 'corrupt') {
      const bad = Buffer.from(body)
      bad[bad.length >> 1]! ^= 0xff
      return void res.end(bad)
    }
    let off = 0
    const tick = (): void => {
      if (res.destroyed) return
      res.write(body.subarray(off, (off += 65536)))
      if (off >= body.length) res.end()
      else setTimeout(tick, 40)
    }
    tick()
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  app = await startApp({
    env: {
      ALPR_MODELS_DIR: modelsDir,
      ALPR_MODELS_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      // the user-data models folder must not hold models either
      XDG_CONFIG_HOME: join(tmp, 'config')
    }
  })
})
test.afterAll(async () => {
  await app?.stop()
  server?.close()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

test('without models the app offers the download, shows its progress (and a failure) and closes the offer when done', async ({ page }) => {
  const NEEDED = await neededModels(app)
  const [FIRST, SECOND] = NEEDED
  expect(SECOND).toBeTruthy() // the two recognizers of the default chain at least
  await openApp(page, app)
  const dialog = page.getByTestId('models-setup')
  await expect(dialog).toBeVisible()
  await expect(dialog).toContainText('PlateDesk needs its recognition models')
  for (const m of NEEDED) await expect(dialog).toContainText(m.file)

  // a bad download (here: wrong bytes) shows the cause per file, keeps no file and offers to try again
  serving = 'corrupt'
  await dialog.getByTestId('models-download').click()
  await expect(dialog.getByTestId('models-download')).toHaveText('Try again')
  await expect(page.getByTestId(`model-file-${FIRST!.id}`)).toHaveAttribute('data-state', 'error')
  await expect(page.getByTestId(`model-file-${FIRST!.id}`).getByTestId('model-file-error')).toContainText(`${FIRST!.file}`)
  await expect(page.getByTestId(`model-file-${FIRST!.id}`).getByTestId('model-file-error')).toContainText('checksum mismatch')
  await expect(dialog.getByTestId('models-setup-error')).toBeVisible()
  expect(readdirSync(modelsDir)).toEqual([])

  serving = 'slow'
  await dialog.getByTestId('models-download').click()
  await expect(dialog.getByTestId('models-download')).toHaveText('Downloading…')
  await expect(dialog.getByTestId('models-setup-error')).toBeHidden()
  // the first file's bar moves and completes while the second one still downloads
  await expect(page.getByTestId(`model-file-${FIRST!.id}`)).toHaveAttribute('data-state', /downloading|verifying|done/)
  await expect(page.getByTestId(`model-file-${FIRST!.id}`).getByRole('progressbar')).toBeVisible()
  await expect(page.getByTestId(`model-file-${FIRST!.id}`)).toHaveAttribute('data-state', 'done')
  await expect(page.getByTestId(`model-file-${FIRST!.id}`)).toContainText('installed')
  await expect(dialog).toBeHidden({ timeout: 30_000 })

  expect(readdirSync(modelsDir).sort()).toEqual(NEEDED.map((m) => m.file).sort())
  const status = await app.call<{ id: string; state: string }[]>('models.status')
  for (const m of NEEDED) expect(status.find((s) => s.id === m.id)?.state).toBe('ok')

  // Settings → Models: every model ok; one that goes missing later is fetched again from its row
  rmSync(join(modelsDir, FIRST!.file))
  await page.getByTestId('nav-settings').click()
  await expect(page.getByTestId(`models-row-${SECOND!.id}`).getByText('ok', { exact: true })).toBeVisible()
  const row = page.getByTestId(`models-row-${FIRST!.id}`)
  await expect(row).toContainText('missing')
  await row.getByRole('button', { name: /Download/ }).click()
  // the row shows this job's bar (not the first job's finished one)
  await expect(row.getByTestId(`model-file-${FIRST!.id}`)).toHaveAttribute('data-state', /downloading|verifying/)
  await expect(page.getByRole('progressbar', { name: `${FIRST!.file} download` })).toBeVisible()
  await expect(row.getByText('ok', { exact: true })).toBeVisible({ timeout: 30_000 })
  await expect(page.getByTestId('models-setup')).toBeHidden()
  expect(readdirSync(modelsDir).sort()).toEqual(NEEDED.map((m) => m.file).sort())
})
