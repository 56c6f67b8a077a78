import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from '../helpers/browser'

// `npm run bench:review`: timings printed, not asserted; not part of `npm test` (its config matches *.spec.ts).
export default defineConfig({
  testDir: '.',
  testMatch: /.*\.bench\.ts$/,
  workers: 1,
  retries: 0,
  timeout: 600_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  outputDir: '../../test-results/bench',
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    actionTimeout: 30_000,
    trace: 'off'
  }
})
