// What the review screen shows for a plate, fetched ahead: the detail (plates.get), the other plates of
// its media (their boxes on the frame) and the crop and frame images, so the next plate appears from
// memory the moment a key is pressed. Rows changed by review actions overlay whatever was fetched.
import type { PlateDetail, PlateRow } from '@shared/types'
import { api } from '../../api/client'
import { loadImage } from '../../hooks/useImage'
import { paddedCrop } from './crop'

const MAX_DETAILS = 120

/** The crop the editor shows for a plate: the same request as its MediaImage, so the image cache hits. */
export function editorCrop(p: Pick<PlateDetail, 'box' | 'frameWidth' | 'frameHeight'>): PlateRow['box'] {
  const c = paddedCrop(p.box, 0.15, 0.35)
  // frame size unknown (a placeholder built from a row): the backend clamps
  if (!p.frameWidth || !p.frameHeight) return c
  return { x1: c.x1, y1: c.y1, x2: Math.min(p.frameWidth, c.x2), y2: Math.min(p.frameHeight, c.y2) }
}
export const CROP_SIZE = 640
export const FRAME_SIZE = 1280

/** A detail to show before the real one is in: the row's fields, nothing else. */
export function placeholderDetail(row: PlateRow): PlateDetail {
  return { ...row, rule: null, charConfidences: [], candidates: [], regionConfidence: null, detectorScore: null, frameWidth: 0, frameHeight: 0, history: [] }
}

const DETAIL_ONLY = ['rule', 'charConfidences', 'candidates', 'regionConfidence', 'detectorScore', 'frameWidth', 'frameHeight', 'history'] as const

/** the row part of a plate (a detail's extra fields would overwrite the fetched ones) */
export function rowOf(p: PlateRow | PlateDetail): PlateRow {
  const r: Record<string, unknown> = { ...p }
  for (const k of DETAIL_ONLY) delete r[k]
  return r as unknown as PlateRow
}

/** what changed: a plate (its detail or row) and/or the plates of a media */
export interface CacheChange {
  plateId?: number
  mediaId?: number
}

export class PlateCache {
  private details = new Map<number, PlateDetail>()
  private detailLoads = new Map<number, Promise<PlateDetail>>()
  private siblings = new Map<number, PlateRow[]>()
  private siblingLoads = new Map<number, Promise<PlateRow[]>>()
  /** rows as the review actions left them (optimistic, then as the backend stored them) */
  private rows = new Map<number, PlateRow>()
  private gen = 0
  private listeners = new Set<(what: CacheChange | null) => void>()

  /** cb(null): anything may have changed */
  onChange(cb: (what: CacheChange | null) => void): () => void {
    this.listeners.add(cb)
    return () => {
      this.listeners.delete(cb)
    }
  }

  private changed(what: CacheChange | null = null): void {
    for (const cb of this.listeners) cb(what)
  }

  /** the detail if it is in memory, with any local change on top */
  detail(id: number): PlateDetail | undefined {
    const d = this.details.get(id)
    if (!d) return undefined
    const r = this.rows.get(id)
    return r ? { ...d, ...r } : d
  }

  /** a row with any local change on top */
  row<R extends PlateRow>(r: R): R {
    const local = this.rows.get(r.id)
    return local ? { ...r, ...local } : r
  }

  /** the other plates of a media, once fetched (with local changes on top) */
  mediaPlates(mediaId: number): PlateRow[] | undefined {
    return this.siblings.get(mediaId)?.map((r) => this.row(r))
  }

  /** fetches the detail (once), its media's plates and its images; resolves with the detail */
  load(id: number): Promise<PlateDetail> {
    const have = this.details.get(id)
    if (have) return Promise.resolve(have)
    let p = this.detailLoads.get(id)
    if (p) return p
    const gen = this.gen
    p = api.call('plates.get', { id }).then((d) => {
      if (gen === this.gen) {
        this.details.set(id, d)
        this.trim()
        this.changed({ plateId: id })
      }
      this.detailLoads.delete(id)
      void this.loadSiblings(d.mediaId)
      preloadImages(d)
      return d
    })
    p.catch(() => this.detailLoads.delete(id))
    this.detailLoads.set(id, p)
    return p
  }

  /** fetches ahead, ignoring failures (the plate shows its error when it is selected) */
  prefetch(ids: number[]): void {
    for (const id of ids) this.load(id).catch(() => undefined)
  }

  private loadSiblings(mediaId: number): Promise<PlateRow[]> {
    const have = this.siblings.get(mediaId)
    if (have) return Promise.resolve(have)
    let p = this.siblingLoads.get(mediaId)
    if (p) return p
    const gen = this.gen
    p = api.call('plates.list', { filter: { mediaId, state: 'all' }, sort: 'media', limit: 200 }).then((r) => {
      if (gen === this.gen) {
        this.siblings.set(mediaId, r.items)
        this.changed({ mediaId })
      }
      this.siblingLoads.delete(mediaId)
      return r.items
    })
    p.catch(() => this.siblingLoads.delete(mediaId))
    this.siblingLoads.set(mediaId, p)
    return p
  }

  /** refetches a media's plates (one was added on its frame) */
  refreshMedia(mediaId: number): void {
    this.siblings.delete(mediaId)
    this.siblingLoads.delete(mediaId)
    void this.loadSiblings(mediaId).catch(() => undefined)
  }

  /** refetches every media's plates when next needed (an import added some) */
  forgetMediaPlates(): void {
    this.siblings.clear()
    this.siblingLoads.clear()
    this.changed()
  }

  /** the local change to a plate, if any */
  local(id: number): PlateRow | undefined {
    return this.rows.get(id)
  }

  /** a review action's row: shown at once everywhere the plate appears */
  put(row: PlateRow): void {
    this.rows.set(row.id, rowOf(row))
    this.changed({ plateId: row.id, mediaId: row.mediaId })
  }

  /** forgets a local change (the backend refused it) */
  drop(id: number): void {
    const mediaId = this.rows.get(id)?.mediaId
    this.rows.delete(id)
    this.changed({ plateId: id, mediaId })
  }

  /** the backend changed plates behind our back (import, undo): refetch them when next needed */
  forget(ids?: number[]): void {
    if (!ids) {
      this.gen++
      this.details.clear()
      this.detailLoads.clear()
      this.siblings.clear()
      this.siblingLoads.clear()
      this.rows.clear()
    } else {
      for (const id of ids) {
        const mediaId = this.details.get(id)?.mediaId
        if (mediaId !== undefined) this.siblings.delete(mediaId)
        this.details.delete(id)
        this.detailLoads.delete(id)
        this.rows.delete(id)
      }
    }
    this.changed()
  }

  private trim(): void {
    while (this.details.size > MAX_DETAILS) {
      const oldest = this.details.keys().next().value as number
      this.details.delete(oldest)
    }
  }
}

function preloadImages(d: PlateDetail): void {
  // the same requests as PlateEditor's crop and FrameView's frame
  loadImage({ mediaId: d.mediaId, frameIdx: d.frameIdx, crop: editorCrop(d), maxSize: CROP_SIZE }).catch(() => undefined)
  loadImage({ mediaId: d.mediaId, frameIdx: d.frameIdx, maxSize: FRAME_SIZE }).catch(() => undefined)
}
