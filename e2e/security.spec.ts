// Issue 9, web mode in a real Chromium against the real backend:
//  - item 1: a page on another 127.0.0.1 port (a real second HTTP server) makes no-cors text/plain fetches
//    and a text/plain form post to the API, with the SameSite=Strict cookie set by opening the app first;
//    nothing changes (checked through the API).
//  - item 10: the token leaves the address bar (and the app keeps working after a reload); a file name with
//    a right-to-left override is shown with the control made visible.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { FIXTURES, IMAGES, missingPrerequisite, openApp, startApp, type RunningApp } from './helpers/app'

const why = missingPrerequisite()
test.describe.configure({ mode: 'serial' })
test.skip(!!why, why ?? '')
if (why) console.log(`security.spec: skipped: ${why}`)

const RLO_NAME = 'plate\u202egnp.exe.jpg'
const RLO_SHOWN = 'plate⟨U+202E⟩gnp.exe.jpg'

interface Plate {
  id: number
  mediaId: number
  mediaPath: string
  text: string
  reviewState: string
}
interface Settings {
  theme: string
  lowConfidence: number
}

let app: RunningApp
let plates: Plate[]

test.beforeAll(async () => {
  app = await startApp()
  // two fixture photos with plates, one of them named with a right-to-left override
  const withPlates = [...new Set(readFileSync(join(FIXTURES, 'plates.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')[0]!))]
  const photos = join(app.dir, 'photos')
  mkdirSync(photos)
  copyFileSync(join(FIXTURES, withPlates[0]!), join(photos, RLO_NAME))
  copyFileSync(join(FIXTURES, withPlates[1]!), join(photos, 'normal.jpg'))
  expect(existsSync(join(IMAGES, withPlates[0]!.replace(/^images\//, '')))).toBe(true)
  await app.call('library.import', { paths: [photos] })
  for (let i = 0; i < 240; i++) {
    const s = await app.call<{ state: string } | null>('import.status', {})
    if (s && s.state !== 'running' && s.state !== 'queued') break
    await new Promise((r) => setTimeout(r, 500))
  }
  plates = (await app.call<{ items: Plate[] }>('plates.list', { filter: { state: 'all' }, limit: 100 })).items
  expect(plates.length).toBeGreaterThanOrEqual(2)
})
test.afterAll(async () => {
  await app?.stop()
})

/** A page on another loopback port that tries every way a page can send a request without the app's help. */
function attackPage(target: string, ids: number[], outDir: string): string {
  return `<!doctype html><meta charset="utf-8"><title>not PlateDesk</title>
<iframe name="sink" id="sink" style="display:none"></iframe>
<form id="f" method="POST" enctype="text/plain" action="${target}/api/plates.correct" target="sink">
  <input type="hidden" name='{"id":${ids[1]},"text":"FORMHACK","x":"' value='"}'>
</form>
<script>
const post = (channel, body) =>
  fetch('${target}/api/' + channel, {
    method: 'POST', mode: 'no-cors', credentials: 'include',
    headers: { 'content-type': 'text/plain' }, body: JSON.stringify(body)
  }).then(() => 'sent', (e) => 'failed: ' + e)
;(async () => {
  const results = []
  results.push(await post('plates.reject', { id: ${ids[0]} }))
  results.push(await post('plates.correct', { id: ${ids[1]}, text: 'HACKED' }))
  results.push(await post('settings.set', { theme: 'dark', lowConfidence: 0.11 }))
  results.push(await post('export.run', { format: 'csv', outDir: ${JSON.stringify(outDir)}, overwrite: true }))
  window.fetchResults = results
  document.getElementById('sink').addEventListener('load', () => { window.formDone = true })
  document.getElementById('f').submit()
})()
</script>`
}

test('item 1: a page on another 127.0.0.1 port cannot change anything, cookie or not', async ({ page }) => {
  // the user opened the app once: the SameSite=Strict cookie is in the browser
  await openApp(page, app)
  const cookies = await page.context().cookies(app.origin)
  expect(cookies.map((c) => c.name)).toContain('platedesk_token')
  const settingsBefore = await app.call<Settings>('settings.get', {})
  const before = new Map(plates.map((p) => [p.id, p]))
  const ids = plates.slice(0, 2).map((p) => p.id)
  const outDir = join(app.dir, 'exfiltrated')

  const evil: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(attackPage(app.origin, ids, outDir))
  })
  await new Promise<void>((ok) => evil.listen(0, '127.0.0.1', ok))
  try {
    const evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`
    expect(evilOrigin).not.toBe(app.origin)
    await page.goto(`${evilOrigin}/`)
    await page.waitForFunction(() => (window as unknown as { formDone?: boolean }).formDone === true, undefined, { timeout: 30_000 })
    // every request left the browser (an opaque response, not a network error)
    expect(await page.evaluate(() => (window as unknown as { fetchResults: string[] }).fetchResults)).toEqual(['sent', 'sent', 'sent', 'sent'])
  } finally {
    await new Promise((ok) => evil.close(ok))
  }

  // nothing changed: plates, settings, and no export folder
  const after = (await app.call<{ items: Plate[] }>('plates.list', { filter: { state: 'all' }, limit: 100 })).items
  for (const p of after) {
    expect({ id: p.id, text: p.text, reviewState: p.reviewState }).toEqual({ id: p.id, text: before.get(p.id)!.text, reviewState: before.get(p.id)!.reviewState })
  }
  expect(await app.call<Settings>('settings.get', {})).toEqual(settingsBefore)
  expect(existsSync(outDir)).toBe(false)
  const history = await app.call<{ total: number }>('history.list', {})
  expect(history.total).toBe(0)
})

test('item 10: the token leaves the address bar, and the app still works after a reload', async ({ page }) => {
  await page.goto(`${app.url}#/library`)
  await page.getByTestId('nav-library').waitFor()
  expect(page.url()).toBe(`${app.origin}/#/library`)
  expect(await page.evaluate(() => location.href)).not.toContain(app.token)
  const grid = page.getByTestId('media-grid')
  await expect(grid.locator('[data-testid^="media-"]')).toHaveCount(2)
  await page.reload()
  await page.getByTestId('nav-library').waitFor()
  expect(page.url()).not.toContain('token')
  // the page's API calls still carry the token (from the page's <meta>), so the library loads again
  await expect(grid.locator('[data-testid^="media-"]')).toHaveCount(2)
  // and a change from the app's own page goes through
  const id = plates[0]!.id
  const res = await page.evaluate(async (plateId) => {
    const token = document.querySelector<HTMLMetaElement>('meta[name="platedesk-token"]')!.content
    const r = await fetch('/api/plates.get', { method: 'POST', headers: { 'content-type': 'application/json', 'x-platedesk-token': token }, body: JSON.stringify({ id: plateId }) })
    return r.status
  }, id)
  expect(res).toBe(200)
})

test('item 10: a file name with a right-to-left override is shown with the control visible', async ({ page }) => {
  await openApp(page, app)
  const grid = page.getByTestId('media-grid')
  await expect(grid).toContainText(RLO_SHOWN)
  await expect(grid).not.toContainText('plategpj.exe.png')
  expect(await grid.innerText()).not.toContain('\u202e')
  // the review queue names the file the same way
  const onRlo = plates.find((p) => p.mediaPath.endsWith(RLO_NAME))
  expect(onRlo).toBeTruthy()
  await page.goto(`${app.origin}/#/review?media=${onRlo!.mediaId}`)
  await expect(page.getByTestId('queue')).toContainText(RLO_SHOWN)
})
