// The review queue as a sparse, paged view over 'plates.list', so a 50,000-plate library scrolls in a
// virtual list without loading every row. Review actions patch their row in place (no reload per key):
// the reviewed plate stays where it was, with its new state, until the next reload.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { PlateFilter, PlateRow, PlateSort } from '@shared/types'
import { api, ApiError } from '../../api/client'

export const PAGE = 200

export interface Queue {
  total: number | null
  /** bumps whenever a row changes (the object itself is new only then, so memoised views can skip) */
  version: number
  error: ApiError | null
  row(index: number): PlateRow | undefined
  /** make sure the rows in [start, end] are loaded */
  ensure(start: number, end: number): void
  /** refetch (the pages around `around`), resolving to the new total once they are in */
  reload(around?: number): Promise<number>
  /** index of a plate id among the loaded rows, or -1 */
  indexOf(id: number): number
  /** replaces a loaded row by the same id (a review action's result) */
  patch(row: PlateRow): void
}

export function useQueue(filter: PlateFilter, sort: PlateSort): Queue {
  const key = JSON.stringify({ filter, sort })
  const pages = useRef(new Map<number, PlateRow[]>())
  const inflight = useRef(new Map<number, Promise<void>>())
  const gen = useRef(0)
  const [total, setTotal] = useState<number | null>(null)
  const totalRef = useRef(0)
  const [error, setError] = useState<ApiError | null>(null)
  const [version, setVersion] = useState(0)
  // rows patched since the last load: they may have left the server's view of the filter, which then
  // starts later pages up to that many rows earlier (loadPage overlaps and skips the rows it has)
  const patched = useRef(new Set<number>())

  const loadPage = useCallback(
    (page: number): Promise<void> => {
      const existing = inflight.current.get(page)
      if (existing) return existing
      const myGen = gen.current
      const { filter: f, sort: s } = JSON.parse(key) as { filter: PlateFilter; sort: PlateSort }
      const shift = page === 0 ? 0 : Math.min(patched.current.size, page * PAGE, 1000 - PAGE)
      const p = api
        .call('plates.list', { filter: f, sort: s, offset: page * PAGE - shift, limit: PAGE + shift })
        .then((r) => {
          if (myGen !== gen.current) return
          let items = r.items
          if (shift > 0) {
            const have = new Set<number>()
            for (const rows of pages.current.values()) for (const row of rows) have.add(row.id)
            items = items.filter((row) => !have.has(row.id)).slice(0, PAGE)
          }
          pages.current.set(page, items)
          totalRef.current = r.total
          setTotal(r.total)
          setError(null)
          setVersion((v) => v + 1)
        })
        .catch((err: unknown) => {
          if (myGen === gen.current) setError(ApiError.from(err))
        })
        .finally(() => {
          if (inflight.current.get(page) === p) inflight.current.delete(page)
        })
      inflight.current.set(page, p)
      return p
    },
    [key]
  )

  const reload = useCallback(
    async (around = 0): Promise<number> => {
      gen.current++
      patched.current = new Set()
      const wanted = [...new Set([0, Math.floor(Math.max(0, around) / PAGE), Math.floor((around + 1) / PAGE)])]
      const visible = [...pages.current.keys()]
      inflight.current = new Map()
      const keep = new Map(pages.current)
      pages.current = keep // old rows stay visible until the fresh pages replace them
      await Promise.all(wanted.map(loadPage))
      for (const p of visible) if (!wanted.includes(p)) pages.current.delete(p)
      setVersion((v) => v + 1)
      return totalRef.current
    },
    [loadPage]
  )

  useEffect(() => {
    gen.current++
    pages.current = new Map()
    inflight.current = new Map()
    patched.current = new Set()
    setTotal(null)
    void loadPage(0)
  }, [loadPage])

  return useMemo<Queue>(
    () => ({
      total,
      version,
      error,
      row: (i) => pages.current.get(Math.floor(i / PAGE))?.[i % PAGE],
      ensure: (start, end) => {
        for (let p = Math.floor(Math.max(0, start) / PAGE); p <= Math.floor(Math.max(0, end) / PAGE); p++) {
          if (!pages.current.has(p) && (total === null || p * PAGE < total)) void loadPage(p)
        }
      },
      reload,
      indexOf: (id) => {
        for (const [p, rows] of pages.current) {
          const i = rows.findIndex((r) => r.id === id)
          if (i >= 0) return p * PAGE + i
        }
        return -1
      },
      patch: (row) => {
        for (const rows of pages.current.values()) {
          const i = rows.findIndex((r) => r.id === row.id)
          if (i >= 0) {
            rows[i] = row
            patched.current.add(row.id)
            setVersion((v) => v + 1)
            return
          }
        }
      }
    }),
    [total, version, error, loadPage, reload]
  )
}
