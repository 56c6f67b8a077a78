// The Review screen's lease keeper (renderer) against the real library service, through a preload-like
// window.api that runs each call as the signed-in reviewer (what the team server does per request): it
// holds the plates it is given, learns who holds the others, lets go on release, and stays silent
// outside team mode.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requests, type Channel } from '../../src/shared/api'
import { openLibrary, type Library } from '../../src/main/db/index'
import { runAs, type Caller } from '../../src/main/services/caller'
import { createLibraryService } from '../../src/main/services/library'
import { fillWithFixturePlates } from '../helpers/fixture-library'
import { FIXTURES_SKIP_REASON, fixturesDir } from '../helpers/models'

const fixtures = fixturesDir()
let dir: string
let lib: Library
let who: Caller | undefined
let calls = 0

describe.skipIf(!fixtures)('LeaseKeeper', () => {
  if (!fixtures) it.skip(FIXTURES_SKIP_REASON, () => undefined)

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'platedesk-keeper-'))
    lib = openLibrary(join(dir, 'library.db'))
    await fillWithFixturePlates(lib, fixtures!)
    const handlers = createLibraryService({ library: lib, engine: () => Promise.reject(new Error('none')), emit: () => undefined, resume: false }).handlers as unknown as Record<
      string,
      (req: unknown) => unknown
    >
    const call = (channel: Channel, req: unknown): Promise<unknown> => {
      calls++
      const run = async () => handlers[channel]!(requests[channel].parse(req))
      return who ? runAs(who, run) : run()
    }
    ;(globalThis as { window?: unknown }).window = { api: { call, on: () => () => undefined } }
  })
  afterAll(() => {
    lib.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const settle = () => new Promise((r) => setTimeout(r, 20))

  it('holds, learns who holds the others, lets go', async () => {
    const { LeaseKeeper } = await import('../../src/renderer/src/screens/Review/leases')
    const ann = new LeaseKeeper()
    const bob = new LeaseKeeper()
    const now = () => new Date().toISOString()

    who = { user: 'ann', role: 'reviewer' }
    ann.hold([1, 2, 3])
    await settle()
    expect(lib.leases.all(now()).map((l) => [l.plateId, l.holder])).toEqual([[1, 'ann'], [2, 'ann'], [3, 'ann']])

    who = { user: 'bob', role: 'reviewer' }
    let told = 0
    bob.onChange(() => told++)
    bob.hold([3, 4])
    await settle()
    expect(told).toBe(1)
    expect(bob.holder(3)).toBe('ann')
    expect(bob.holder(4)).toBeUndefined()

    // ann moves on: her window is 2..4 now; 4 is bob's, 1 is let go
    who = { user: 'ann', role: 'reviewer' }
    ann.hold([2, 3, 4])
    await settle()
    expect(ann.holder(4)).toBe('bob')
    expect(lib.leases.all(now()).map((l) => [l.plateId, l.holder])).toEqual([[2, 'ann'], [3, 'ann'], [4, 'bob']])
    ann.release()
    await settle()
    who = { user: 'bob', role: 'reviewer' }
    bob.hold([3])
    await settle()
    expect(bob.holder(3)).toBeUndefined()
    expect(lib.leases.all(now()).map((l) => [l.plateId, l.holder])).toEqual([[3, 'bob']])
  })

  it('outside team mode the first answer turns it off: nothing more is sent', async () => {
    const { LeaseKeeper } = await import('../../src/renderer/src/screens/Review/leases')
    const k = new LeaseKeeper()
    who = undefined
    k.hold([5, 6])
    await settle()
    const before = calls
    k.hold([6, 7])
    k.renew()
    k.release()
    await settle()
    expect(calls).toBe(before)
  })
})
