// The app's view of the team work queue ('import.workQueue'): nothing for a library without a queue;
// after an enqueue-only, the queue the library remembered, its counts and (once a file is committed
// or dead-lettered) the failures with their causes. Real PostgreSQL, real SQLite, no engine.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openLibrary } from '../../src/main/db/index'
import { enqueuePaths } from '../../src/main/importer/enqueue'
import { openWorkQueue } from '../../src/main/importer/work-queue'
import { createLibraryService } from '../../src/main/services/library'
import { FIXTURES_SKIP_REASON, fixturesDir, skipReason } from '../helpers/models'
import { pgMissing, stopTestCluster, testDatabase } from '../helpers/pg'

const fixtures = fixturesDir()
const skip = skipReason(!fixtures && FIXTURES_SKIP_REASON, pgMissing())

describe.skipIf(skip)("the app's work-queue channel", () => {
  const dir = mkdtempSync(join(tmpdir(), 'platedesk-wqapi-'))
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true })
    await stopTestCluster()
  })

  it('null without a queue; queued counts and the queue URL (no password) after an enqueue; failures with causes', async () => {
    const url = await testDatabase()
    const src = join(dir, 'media')
    mkdirSync(src)
    for (const f of readdirSync(join(fixtures!, 'images')).filter((f) => f.endsWith('.jpg')).slice(0, 5)) copyFileSync(join(fixtures!, 'images', f), join(src, f))
    const library = openLibrary(join(dir, 'lib.sqlite'))
    const svc = createLibraryService({ library, engine: () => Promise.reject(new Error('no engine here')), emit: () => undefined, resume: false })
    const boss = await openWorkQueue(url, { supervise: false })
    try {
      expect(await svc.handlers['import.workQueue']({})).toBeNull()
      const withPassword = url.replace('platedesk@', 'platedesk:secret@')
      const r = await enqueuePaths([src, join(dir, 'missing-folder')], { library, boss, queueUrl: withPassword })
      expect(r).toMatchObject({ found: 5, queued: 5, inLibrary: 0, alreadyQueued: 0 })
      // the library remembers where its queue is, never the password
      expect(JSON.stringify(library.reader.setting('workQueue'))).not.toContain('secret')
      const s = await svc.handlers['import.workQueue']({})
      expect(s).toMatchObject({ queued: 5, active: 0, done: 0, batches: 1 })
      // the unreadable folder is the batch's failure, named with its cause
      expect(s!.failed).toBe(1)
      expect(s!.failures[0].error).toContain('missing-folder')
      expect(s!.failures[0].error).toContain('no such file or folder')
      // the local import's status ignores work-queue batches
      expect(await svc.handlers['import.status']({})).toBeNull()
    } finally {
      await boss.stop({ graceful: false })
      await svc.dispose()
      library.close()
    }
  })
})
