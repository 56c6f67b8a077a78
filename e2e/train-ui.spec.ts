// "Improve the model" on the Export screen against the real backend and a real library of reviewed
// plate crops: without Python + torch it shows the exact commands (and exports the data they name);
// with them, a real fine-tuning run shows its progress and Cancel ends it (the trainer process too).
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { ROOT, SHARED, missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'

const CROPS = join(SHARED, 'datasets/lprnet-plates/crops')
const why = missingPrerequisite() ?? (existsSync(CROPS) ? null : `no crops at ${CROPS}`)
const hasTrainer =
  existsSync(join(process.env.PLATEDESK_TRAINING_ROOT ?? ROOT, 'training/finetune.py')) && spawnSync('/usr/bin/python3', ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0
test.describe.configure({ mode: 'serial' })
test.skip(!!why, why ?? '')

let dir: string
let db: string

test.beforeAll(() => {
  // 60 reviewed crops, labelled by their file names (import-labels --format crops: no engine needed)
  dir = mkdtempSync(join(tmpdir(), 'platedesk-e2e-train-'))
  const crops = join(dir, 'crops')
  mkdirSync(crops)
  for (const f of readdirSync(CROPS).filter((n) => n.endsWith('.jpg')).sort().slice(0, 60)) copyFileSync(join(CROPS, f), join(crops, f))
  db = join(dir, 'lib.db')
  execFileSync(process.execPath, [join(ROOT, 'bin/platedesk.js'), 'import-labels', crops, '--format', 'crops', '--db', db], { cwd: ROOT, stdio: 'pipe' })
})
test.afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function startTraining(page: Page, epochs: string): Promise<void> {
  await page.getByTestId('train-base').locator('..').click()
  await page.getByRole('option', { name: 'lprnet-china' }).click()
  await page.getByTestId('train-epochs').fill(epochs)
  await page.getByTestId('train-start').click()
}

test('without Python + torch, the exact commands are shown and the data they name is exported', async ({ browser }) => {
  const app: RunningApp = await startApp({ dbPath: db, env: { PLATEDESK_PYTHON: '/nonexistent/python3', PLATEDESK_TRAINING_DIR: join(dir, 'jobs-nopy') } })
  const page = await browser.newPage()
  try {
    await openApp(page, app, '#/export')
    // before anything runs: what is missing and how to install it
    await expect(page.getByTestId('train-setup')).toContainText('/nonexistent/python3')
    if (process.platform === 'linux') await expect(page.getByTestId('train-commands')).toContainText('apt-get install python3 python3-torch python3-onnx')
    await startTraining(page, '3')
    const progress = page.getByTestId('train-progress')
    await expect(progress).toHaveAttribute('data-state', 'error', { timeout: 60_000 })
    const commands = page.getByTestId('train-commands')
    await expect(commands).toContainText('-m training.finetune --data')
    await expect(commands).toContainText('--arch lprnet')
    await expect(commands).toContainText('--epochs 3')
    await expect(commands).toContainText('platedesk models add')
    // the folder the command names holds the exported plates
    const text = (await commands.textContent()) ?? ''
    const data = /--data (\S+)/.exec(text)![1]
    expect(existsSync(join(data, 'labels.csv'))).toBe(true)
    expect(readdirSync(join(data, 'crops')).length).toBeGreaterThan(30)
    await expect(page.getByTestId('train-result')).toHaveCount(0)
  } finally {
    await page.close()
    await app.stop()
  }
})

test('a real run shows its progress and log, and Cancel ends it', async ({ browser }) => {
  test.skip(!hasTrainer, 'needs training/finetune.py and /usr/bin/python3 with torch + onnx')
  test.setTimeout(240_000)
  const app: RunningApp = await startApp({ dbPath: db, env: { PLATEDESK_PYTHON: '/usr/bin/python3', PLATEDESK_TRAINING_DIR: join(dir, 'jobs') } })
  const page = await browser.newPage()
  try {
    await openApp(page, app, '#/export')
    await expect(page.getByTestId('train-setup')).toHaveCount(0)
    await startTraining(page, '200')
    const progress = page.getByTestId('train-progress')
    await expect(progress).toHaveAttribute('data-phase', 'training', { timeout: 120_000 })
    await expect(page.getByTestId('train-status')).toContainText(/epoch \d+ of 200/)
    await page.getByTestId('train-log-toggle').click()
    await expect(page.getByTestId('train-log')).toContainText('training.finetune', { timeout: 30_000 })
    const job = (await app.call<{ logFile: string; jobId: string }>('train.status', {}))!
    await page.getByTestId('train-cancel').click()
    await expect(progress).toHaveAttribute('data-state', 'cancelled', { timeout: 30_000 })
    await expect(page.getByTestId('train-status')).toHaveText('Cancelled.')
    await expect(page.getByTestId('train-start')).toBeEnabled()
    // the trainer is gone: no process runs the finetune module of this job any more
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    expect(ps.split('\n').filter((l) => l.includes('training.finetune') && l.includes(job.jobId))).toEqual([])
  } finally {
    await page.close()
    await app.stop()
  }
})

test('with nothing reviewed, Improve the model and Evaluate say to review first instead of starting', async ({ browser }) => {
  const app = await startApp()
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
  try {
    await openApp(page, app, '#/export')
    await expect(page.getByTestId('train-nothing-reviewed')).toContainText('No reviewed plates yet')
    await expect(page.getByTestId('train-start')).toBeDisabled()
    await page.goto(`${app.url}#/evaluate`)
    await expect(page.getByTestId('evaluate-empty')).toContainText('No reviewed plates yet')
    await page.getByTestId('evaluate-model-cct-xs-v2-global').check()
    await expect(page.getByTestId('evaluate-run')).toBeDisabled()
    await page.getByTestId('evaluate-empty').getByRole('button', { name: 'Open Review' }).click()
    await expect(page).toHaveURL(/#\/review/)
  } finally {
    await page.close()
    await app.stop()
  }
})
