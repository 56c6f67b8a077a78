// Writes test/durations.json (seconds per test file, the slow ones) from a vitest JSON report, for the
// sequencer in vitest.config.ts: the longest files start first, so that two workers finish together
// instead of one running a 70 s file alone at the end. A clean clone has no vitest cache to sort by.
//   npx vitest run --reporter=json --outputFile=/tmp/vitest.json && npx tsx scripts/test-durations.ts /tmp/vitest.json
import { readFileSync, writeFileSync } from 'node:fs'
import { relative } from 'node:path'

const report = JSON.parse(readFileSync(process.argv[2] ?? '/tmp/vitest.json', 'utf8')) as {
  testResults: { name: string; startTime: number; endTime: number }[]
}
const rows = report.testResults
  .map((f) => [relative(process.cwd(), f.name), Math.round((f.endTime - f.startTime) / 100) / 10] as const)
  .filter(([, s]) => s >= 3)
  .sort((a, b) => b[1] - a[1])
writeFileSync('test/durations.json', JSON.stringify(Object.fromEntries(rows), null, 2) + '\n')
console.log(`test/durations.json: ${rows.length} files of 3 s or more`)
