// The desktop shell, with Playwright's Electron driver. Electron's binary is not installed on CI or the
// development server (ELECTRON_SKIP_BINARY_DOWNLOAD): then this spec skips and says why.
import { createRequire } from 'node:module'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { _electron as electron, expect, test } from '@playwright/test'
import { FIXTURES, MODELS_DIR, ROOT } from './helpers/app'

/** Electron's binary, or why there is none in words a reader can act on (the electron package's own
 *  error, "Electron failed to install correctly, please delete node_modules/electron", is about a
 *  download that was skipped on purpose here). */
function electronBinary(): { path: string | null; why: string } {
  const require = createRequire(import.meta.url)
  try {
    require.resolve('electron/package.json')
  } catch {
    return { path: null, why: 'no Electron binary is installed: the electron package is not in node_modules' }
  }
  try {
    const p = require('electron') as unknown
    if (typeof p === 'string' && existsSync(p)) return { path: p, why: '' }
    return { path: null, why: `no Electron binary is installed: require('electron') names ${String(p)}, which does not exist` }
  } catch {
    return {
      path: null,
      why: 'no Electron binary is installed (npm install skipped its download, e.g. ELECTRON_SKIP_BINARY_DOWNLOAD=1; `node node_modules/electron/install.js` fetches it)'
    }
  }
}

const bin = electronBinary()
const built = existsSync(join(ROOT, 'out/main/index.js')) && existsSync(join(ROOT, 'out/preload/index.cjs'))
const why = !bin.path ? bin.why : !built ? 'the app is not built (npm run build)' : ''
if (why) console.log(`electron.spec: skipped: ${why}`)

test('opens the locked-down window over the preload API', async () => {
  test.skip(!!why, why)
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-electron-'))
  const app = await electron.launch({
    executablePath: bin.path!,
    args: [ROOT, '--no-sandbox', '--disable-gpu'],
    env: { ...process.env, PLATEDESK_DB: join(dir, 'library.db'), ALPR_MODELS_DIR: MODELS_DIR }
  })
  try {
    const win = await app.firstWindow()
    await expect(win.getByTestId('nav-library')).toBeVisible()
    expect(await win.title()).toBe('PlateDesk')
    // no Node in the page; the API through the bridge
    expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined')
    const info = await win.evaluate(() => (window as unknown as { api: { call(c: string, r: unknown): Promise<{ mode: string }> } }).api.call('app.info', {}))
    expect(info.mode).toBe('electron')
    // new windows are denied (a non-https URL: https ones go to the user's browser instead)
    await win.evaluate(() => window.open('http://127.0.0.1:9/'))
    expect(app.windows()).toHaveLength(1)
  } finally {
    await app.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('plays a library video from app://platedesk/media/<id>/video, in byte ranges', async () => {
  test.skip(!!why, why)
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-electron-'))
  const app = await electron.launch({
    executablePath: bin.path!,
    args: [ROOT, '--no-sandbox', '--disable-gpu'],
    env: { ...process.env, PLATEDESK_DB: join(dir, 'library.db'), ALPR_MODELS_DIR: MODELS_DIR }
  })
  try {
    const win = await app.firstWindow()
    await expect(win.getByTestId('nav-library')).toBeVisible()
    type Call = (c: string, r: unknown) => Promise<unknown>
    await win.evaluate((clip) => (window as unknown as { api: { call: Call } }).api.call('library.import', { paths: [clip] }), join(FIXTURES, 'clip.mp4'))
    await expect
      .poll(() => win.evaluate(() => (window as unknown as { api: { call: Call } }).api.call('import.status', {}).then((s) => (s as { state: string } | null)?.state)), { timeout: 120_000 })
      .toBe('done')
    const range = await win.evaluate(async () => {
      const r = await fetch('app://platedesk/media/1/video', { headers: { range: 'bytes=0-99' } })
      return { status: r.status, type: r.headers.get('content-type'), length: (await r.arrayBuffer()).byteLength }
    })
    expect(range).toEqual({ status: 206, type: 'video/mp4', length: 100 })
    expect(await win.evaluate(() => fetch('app://platedesk/media/999/video').then((r) => r.status))).toBe(404)
    await win.evaluate(() => (location.hash = '#/video?media=1'))
    await expect(win.getByTestId('player')).toHaveAttribute('data-ready', 'true', { timeout: 20_000 })
    await expect(win.getByTestId('player')).toHaveAttribute('data-source', 'video') // played by Electron's own decoder
    await win.getByTestId('play-pause').click()
    await expect.poll(async () => Number(await win.getByTestId('frame-info').getAttribute('data-time')), { timeout: 10_000 }).toBeGreaterThan(0.5)
  } finally {
    await app.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('says plainly why it skips where Electron is missing', () => {
  test.skip(!!bin.path, 'Electron is installed here')
  expect(bin.why).toMatch(/^no Electron binary is installed/)
  expect(bin.why).not.toContain('failed to install correctly')
})
