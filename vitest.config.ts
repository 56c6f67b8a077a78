import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'

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
    pool: 'forks'
  }
})
