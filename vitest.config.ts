import { existsSync, readFileSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { defineConfig } from 'vitest/config'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/** seconds per slow test file, measured (scripts/test-durations.ts) */
const durations: Record<string, number> = existsSync('test/durations.json') ? JSON.parse(readFileSync('test/durations.json', 'utf8')) : {}

/**
 * The slowest files first, by test/durations.json, then vitest's own order (its cache of the last run,
 * else file size). A clean clone has no cache: files ran in path order and a 70 s file could start last,
 * leaving one core idle at the end.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const seconds = (f: TestSpecification) => durations[relative(process.cwd(), f.moduleId)] ?? 0
    // sort is stable: files of equal (or no) measured time keep vitest's order
    return (await super.sort(files)).sort((a, b) => seconds(b) - seconds(a))
  }
}

export default defineConfig({
  resolve: {
    alias: {
      '@main': resolve('src/main'),
      '@shared': resolve('src/shared'),
      '@renderer': resolve('src/renderer/src')
    }
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two files at a time, one per core: most files wait on child processes, SQLite or the disk, and
    // forking a worker per file was 157 s of the 753 s serial run; in parallel the whole suite took 511 s
    // on 2 cores with the same results. No test asserts a speed (`npm run bench` measures); the few time
    // limits are hang checks with wide margins (an ffmpeg kill within 30 s, a /proc scan within 10 s).
    fileParallelism: true,
    maxWorkers: 2,
    pool: 'forks',
    // one engine worker unless a test asks for more: two files already run at once on two cores, and a
    // second worker per engine only added its model loading (~1 s CPU per engine start, in-process and in
    // every CLI child); the pool's and the importer's multi-worker paths are tested with explicit counts
    env: { PLATEDESK_WORKERS: process.env.PLATEDESK_WORKERS ?? '1' },
    sequence: { sequencer: LongestFirst }
  }
})
