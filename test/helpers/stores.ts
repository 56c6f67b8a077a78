// The two library backends the data-layer tests run on: a fresh SQLite file, or a fresh database on the
// private PostgreSQL cluster (helpers/pg.ts). `fresh()` gives what openLibrary takes (a path or a URL)
// for a new, empty library; the same value opens it again. Use with describe.each(stores) and
// afterAll(stopTestCluster).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testDatabase } from './pg'

export interface Store {
  name: 'sqlite' | 'postgres'
  /** a new, empty library: a file path (SQLite) or a postgres:// URL */
  fresh(): Promise<string>
}

export const sqliteStore: Store = {
  name: 'sqlite',
  fresh: async () => join(mkdtempSync(join(tmpdir(), 'platedesk-store-')), 'lib.db')
}

export const postgresStore: Store = {
  name: 'postgres',
  fresh: () => testDatabase()
}

export const stores: Store[] = [sqliteStore, postgresStore]

export { stopTestCluster } from './pg'
