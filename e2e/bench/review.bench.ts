// `npm run bench:review`: how long from a review key (Enter confirms, Delete rejects) to the next plate's
// text on screen, in Debian's Chromium against the real backend in web mode. Measured in the page: from
// the keydown event's timestamp to the first animation frame after the plate field shows another plate.
// Runs on the imported fixtures, then on the same library grown to 50,000 plates (the generator of
// review.spec's 50,000-plate test). Prints p50/p95; asserts nothing about them.
import { loadavg } from 'node:os'
import { expect, test, type Page } from '@playwright/test'
import { missingPrerequisite, startApp, type RunningApp } from '../helpers/app'
import { growLibrary, importFixtures } from '../helpers/library'

/** a reviewer's pause between plates (ms): long enough to read one, short enough to outrun fetches */
const THINK_MS = Number(process.env.BENCH_THINK_MS ?? 250)
const BIG = 50_000
const BIG_KEYS = Number(process.env.BENCH_KEYS ?? 200)

const why = missingPrerequisite()
test.describe.configure({ mode: 'serial' })
test.skip(!!why, why ?? '')

let app: RunningApp
let page: Page

test.beforeAll(async ({ browser }) => {
  app = await startApp()
  await importFixtures(app)
  page = await browser.newPage()
})
test.afterAll(async () => {
  await page?.close()
  await app?.stop()
})

declare global {
  interface Window {
    __bench?: { samples: number[] }
  }
}

/** installs the in-page stopwatch: keydown (Enter/Delete) → plate field shows another plate → next frame */
async function installStopwatch(): Promise<void> {
  await page.evaluate(() => {
    const bench = { samples: [] as number[] }
    window.__bench = bench
    const shown = (): string | null => document.querySelector('[data-testid="plate-input"]')?.getAttribute('data-plate-id') ?? null
    window.addEventListener(
      'keydown',
      (e) => {
        if (e.key !== 'Enter' && e.key !== 'Delete') return
        const t0 = e.timeStamp
        const from = shown()
        const obs = new MutationObserver(() => {
          const id = shown()
          if (id === null || id === from) return
          obs.disconnect()
          requestAnimationFrame(() => bench.samples.push(performance.now() - t0))
        })
        obs.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-plate-id'] })
      },
      true
    )
  })
}

async function openReview(): Promise<void> {
  await page.goto(`${app.url}#/review`)
  await page.reload()
  await expect(page.getByTestId('plate-input')).toBeFocused()
  await installStopwatch()
}

/** reviews `keys` plates in queue order: Enter on a plate with a text, Delete on an unread one */
async function review(keys: number): Promise<number[]> {
  const input = page.getByTestId('plate-input')
  for (let i = 0; i < keys; i++) {
    const value = await input.inputValue()
    const n = await page.evaluate(() => window.__bench!.samples.length)
    await page.keyboard.press(value ? 'Enter' : 'Delete')
    await page.waitForFunction((k) => window.__bench!.samples.length > k, n, { timeout: 30_000 })
    await page.waitForTimeout(THINK_MS)
  }
  return page.evaluate(() => window.__bench!.samples)
}

function report(label: string, samples: number[]): void {
  const s = [...samples].sort((a, b) => a - b)
  const q = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]
  console.log(
    `review bench · ${label}: keydown → next plate shown  p50 ${q(0.5).toFixed(1)} ms  p95 ${q(0.95).toFixed(1)} ms  max ${s[s.length - 1].toFixed(1)} ms  (n=${s.length}, ${THINK_MS} ms between plates, load average ${loadavg()[0].toFixed(1)})`
  )
}

test('fixtures: every plate of the 24 dashcam photos', async () => {
  await openReview()
  const total = (await app.call<{ total: number }>('plates.list', { filter: { state: 'unreviewed' }, limit: 1 })).total
  report(`fixtures (${total} plates)`, await review(total - 1))
})

test(`a ${BIG.toLocaleString('en')}-plate library`, async () => {
  // a fresh library: the fixture pass reviewed every plate the generator copies
  await app.stop()
  app = await startApp()
  await importFixtures(app)
  growLibrary(app.dbPath, BIG)
  await openReview()
  await expect(page.getByTestId('queue-total')).toHaveText(/^\d{2},\d{3} plates$/)
  report(`${BIG.toLocaleString('en')}-plate library`, await review(BIG_KEYS))
})
