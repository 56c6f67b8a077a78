// The Library screen's "Recognition workers" card: a library whose files were queued for the team's
// workers (`import --enqueue-only`, real PostgreSQL) shows them queued; after a worker has run, done
// and failed, with the failed file named and its cause. Real CLI, real engine, real browser.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { pgMissing, startPgCluster, type PgCluster } from '../test/helpers/pg'
import { IMAGES, MODELS_DIR, ROOT, missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'

const why = missingPrerequisite() ?? (pgMissing() || null)
test.skip(!!why, why ?? '')

let app: RunningApp | undefined
let cluster: PgCluster | undefined
let dir: string
test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'platedesk-e2e-wq-'))
  cluster = await startPgCluster()
})
test.afterAll(async () => {
  await app?.stop()
  cluster?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/platedesk.js'), ...args], { encoding: 'utf8', env: { ...process.env, ALPR_MODELS_DIR: MODELS_DIR } })
  if (r.status !== 0) throw new Error(`platedesk ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

test('the work-queue card shows the queue, then what the workers did, failures with their cause', async ({ page }) => {
  test.setTimeout(180_000)
  const media = join(dir, 'share')
  mkdirSync(media)
  for (const f of readdirSync(IMAGES).filter((f) => f.endsWith('.jpg')).slice(0, 3)) copyFileSync(join(IMAGES, f), join(media, f))
  const bad = join(media, 'broken.jpg')
  writeFileSync(bad, 'not a photo\n')
  const db = join(dir, 'lib.sqlite')
  const queue = await cluster!.createDatabase('wq')
  expect(cli(['import', '--db', db, '--queue', queue, '--enqueue-only', '--retries', '0', media])).toContain('queued 4 files')

  app = await startApp({ dbPath: db })
  await openApp(page, app)
  const card = page.getByTestId('work-queue')
  await expect(card).toContainText('Recognition workers')
  await expect(page.getByTestId('work-queue-counts')).toContainText('4 queued · 0 active · 0 done')

  cli(['worker', '--db', db, '--queue', queue, '--concurrency', '1', '--once'])
  // the card polls: no reload
  await expect(page.getByTestId('work-queue-counts')).toContainText('0 queued · 0 active · 3 done', { timeout: 20_000 })
  await expect(page.getByTestId('work-queue-counts')).toContainText('1 failed')
  await expect(card).toContainText(bad)
  await expect(card).toContainText('idle')
})
