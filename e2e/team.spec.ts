// Team server (issue 13, People) in a real browser: a library with accounts asks for sign-in; a reviewer
// corrects a plate and the history names them; a viewer sees no edit actions and is refused (403, with the
// role needed) when forcing one; signing out returns to the sign-in screen.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { expect, test, type Page } from '@playwright/test'
import { missingPrerequisite, ROOT, startApp, type RunningApp } from './helpers/app'
import { importFixtures } from './helpers/library'
import { currentPlateId } from './helpers/review'

const missing = missingPrerequisite()
test.skip(!!missing, missing ?? '')
test.describe.configure({ mode: 'serial' })

let app: RunningApp
let page: Page

function addUser(name: string, role: string, password: string): void {
  const file = join(app.dir, `${name}.pw`)
  writeFileSync(file, `${password}\n`, { mode: 0o600 })
  execFileSync(process.execPath, [join(ROOT, 'bin/platedesk.js'), 'users', 'add', name, '--role', role, '--db', app.dbPath, '--password-file', file], { cwd: ROOT })
}

async function signIn(name: string, password: string): Promise<void> {
  await expect(page.getByRole('form', { name: 'sign in' })).toBeVisible()
  await page.getByTestId('signin-name').fill(name)
  await page.getByTestId('signin-password').fill(password)
  await page.getByTestId('signin-submit').click()
  await expect(page.getByTestId('signed-in-as')).toContainText(name)
}

test.beforeAll(async ({ browser }) => {
  app = await startApp()
  await importFixtures(app) // before the accounts: the token still opens the API
  addUser('alice', 'admin', 'alice-password-1')
  addUser('rita', 'reviewer', 'rita-password-1')
  addUser('val', 'viewer', 'val-password-1')
  page = await browser.newPage()
})

test.afterAll(async () => {
  await page?.close()
  await app?.stop()
})

test('asks for sign-in, refuses a wrong password, lets a reviewer correct a plate and names them in the history', async () => {
  // the running server turned into a team server: the printed token opens nothing now
  await page.goto(`${app.origin}/#/review`)
  await page.getByTestId('signin-name').fill('rita')
  await page.getByTestId('signin-password').fill('not-her-password')
  await page.getByTestId('signin-submit').click()
  await expect(page.getByTestId('signin-error')).toHaveText('wrong name or password')

  await page.getByTestId('signin-password').fill('rita-password-1')
  await page.getByTestId('signin-submit').click()
  await expect(page.getByTestId('signed-in-as')).toHaveText('rita · reviewer')
  await page.getByTestId('nav-review').click()
  const input = page.getByTestId('plate-input')
  const id = await currentPlateId(page)
  await input.click()
  await page.keyboard.press('Control+A')
  await page.keyboard.type('b777 tst')
  await expect(input).toHaveValue('B777TST')
  await page.keyboard.press('Enter')
  const row = (): { text: string; by: string | null } => {
    const db = new Database(app.dbPath, { readonly: true })
    try {
      return db.prepare('SELECT p.text, h.by FROM plates p LEFT JOIN history h ON h.plate_id = p.id WHERE p.id = ? ORDER BY h.id DESC LIMIT 1').get(id) as {
        text: string
        by: string | null
      }
    } finally {
      db.close()
    }
  }
  await expect.poll(row).toEqual({ text: 'B777TST', by: 'rita' })

  await page.getByTestId('nav-history').click()
  const latest = page.locator('[data-testid^="history-"][data-action]').first()
  await expect(latest).toContainText('rita')
  await expect(latest).toContainText('B777TST')

  // a reviewer imports nothing: the import card is not there
  await page.getByTestId('nav-library').click()
  await expect(page.getByTestId('header-stats')).toBeVisible()
  await expect(page.getByTestId('import-path')).toHaveCount(0)

  await page.getByTestId('sign-out').click()
  await expect(page.getByRole('form', { name: 'sign in' })).toBeVisible()
})

test('a viewer sees no edit actions, and a forced edit is refused with the role it needs', async () => {
  await signIn('val', 'val-password-1')
  await expect(page.getByTestId('signed-in-as')).toHaveText('val · viewer')
  await page.getByTestId('nav-review').click()
  await expect(page.getByTestId('review-read-only')).toBeVisible()
  await expect(page.getByTestId('btn-confirm')).toHaveCount(0)
  await expect(page.getByTestId('btn-reject')).toHaveCount(0)
  await expect(page.getByTestId('btn-bulk')).toBeHidden()
  const id = await currentPlateId(page)
  // forced: typing and Enter in the plate field still send plates.correct; the server refuses it
  await page.getByTestId('plate-input').click()
  await page.keyboard.press('Control+A')
  await page.keyboard.type('b1 vvv')
  await page.keyboard.press('Enter')
  await expect(page.getByRole('alert').filter({ hasText: 'needs the reviewer role' })).toBeVisible()
  const db = new Database(app.dbPath, { readonly: true })
  const state = (db.prepare('SELECT review_state FROM plates WHERE id = ?').get(id) as { review_state: string }).review_state
  db.close()
  expect(state).toBe('unreviewed')

  await page.getByTestId('nav-settings').click()
  await expect(page.getByTestId('settings-read-only')).toBeVisible()
  await expect(page.getByTestId('settings-users')).toHaveCount(0)
  await page.getByTestId('sign-out').click()
  await expect(page.getByRole('form', { name: 'sign in' })).toBeVisible()
})

test('an admin manages accounts in Settings → Users', async () => {
  await signIn('alice', 'alice-password-1')
  await page.getByTestId('nav-settings').click()
  const users = page.getByTestId('settings-users')
  await expect(users.getByTestId('user-rita')).toBeVisible()
  await page.getByTestId('user-new-name').fill('nina')
  await page.getByTestId('user-new-password').fill('nina-password-1')
  await page.getByTestId('user-add').click()
  await expect(users.getByTestId('user-nina')).toContainText('reviewer')
  await users.getByRole('button', { name: 'remove nina' }).click()
  await expect(users.getByTestId('user-nina')).toHaveCount(0)
})
