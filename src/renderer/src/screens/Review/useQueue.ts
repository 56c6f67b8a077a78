// The review queue as a sparse, paged view over 'plates.list', so a 50,000-plate library scrolls in a
// virtual list without loading every row.
import { useCallback, useEffect, useRef, useState } from 'react'
import type { PlateFilter, PlateRow, PlateSort } from '@shared/types'
import { api, ApiError } from '../../api/client'

export const PAGE = 200

export interface Queue {
  total: number | null
  error: ApiError | null
  row(index: number): PlateRow | undefined
  /** make sure the rows in [start, end] are loaded */
  ensure(start: number, end: number): void
  /** refetch (the pages around `around`), resolving to the new total once they are in */
  reload(around?: number): Promise<number>
  /** index of a plate id among the loaded rows, or -1 */
  indexOf(id: number): number
}

export function useQueue(filter: PlateFilter, sort: PlateSort): Queue {
  const key = JSON.stringify({ filter, sort })
  const pages = useRef(new Map<number, PlateRow[]>())
  const inflight = useRef(new Map<number, Promise<void>>())
  const gen = useRef(0)
  const [total, setTotal] = useState<number | null>(null)
  const totalRef = useRef(0)
  const [error, setError] = useState<ApiError | null>(null)
  const [, setVersion] = useState(0)

  const loadPage = useCallback(
    (page: number): Promise<void> => {
      const existing = inflight.current.get(page)
      if (existing) return existing
      const myGen = gen.current
      const { filter: f, sort: s } = JSON.parse(key) as { filter: PlateFilter; sort: PlateSort }
      const p = api
        .call('plates.list', { filter: f, sort: s, offset: page * PAGE, limit: PAGE })
        .then((r) => {
          if (myGen !== gen.current) return
          pages.current.set(page, r.items)
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
    setTotal(null)
    void loadPage(0)
  }, [loadPage])

  return {
    total,
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
    }
  }
}
