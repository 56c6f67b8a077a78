// One reviewer in its own process for team-review-processes.test.ts: opens the library file itself and
// works through the review queue through the library service as `user` (review.next, then a decision),
// all starting together (test/helpers/start-line.ts), until the queue is empty. Prints {"served":[ids],"errors":[...]} on stdout.
import { openLibrary } from '../../src/main/db/index'
import { runAs } from '../../src/main/services/caller'
import { createLibraryService } from '../../src/main/services/library'
import { waitForStartLine } from '../helpers/start-line'

const [file, user] = process.argv.slice(2)
await waitForStartLine()
const lib = openLibrary(file!)
const api = createLibraryService({ library: lib, engine: () => Promise.reject(new Error('no engine')), emit: () => undefined, resume: false }).handlers
const served: number[] = []
const errors: string[] = []

await runAs({ user: user!, role: 'reviewer' }, async () => {
  for (let i = 0; i < 100_000; i++) {
    const { items } = await api['review.next']({ filter: { state: 'unreviewed' }, sort: 'confidence', count: 1 })
    const p = items[0]
    if (!p) break
    served.push(p.id)
    try {
      await (i % 3 ? api['plates.confirm']({ id: p.id }) : api['plates.reject']({ id: p.id }))
    } catch (err) {
      errors.push((err as Error).message)
    }
  }
})
lib.close()
console.log(JSON.stringify({ served, errors }))
