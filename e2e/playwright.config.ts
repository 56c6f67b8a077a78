import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from './helpers/browser'

// One worker, Debian's Chromium, the real backend in web mode per spec (see helpers/app.ts).
// `npm test` builds the renderer (npm run build) before this runs.
export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: '../test-results',
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    actionTimeout: 15_000,
    trace: 'off',
    screenshot: 'only-on-failure'
  }
})
