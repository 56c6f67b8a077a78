// Review: the queue (least certain first) on the left, the current plate on the right. Everything is
// one key away: Enter confirms or saves the correction and moves on, Delete rejects, PageUp/PageDown
// move, Ctrl+Z undoes, Alt+1..9 pick a candidate, Alt+B draws a missed plate.
// Keys never wait for the backend: each decision is a ReviewAction on the plate shown when the key went
// down, applied on screen at once and sent in order through the ActionQueue (actions.ts); the next
// plates are fetched ahead (plateCache.ts); typed text is a per-plate draft until saved (drafts.ts).
import { memo, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react'
import { Alert, Box, Button, Chip, Divider, Stack, Tooltip, Typography } from '@mui/material'
import DoneAllRounded from '@mui/icons-material/DoneAllRounded'
import TaskAltRounded from '@mui/icons-material/TaskAltRounded'
import type { Box as BoxT, PlateDetail, PlateFilter, PlateRow, PlateSort } from '@shared/types'
import { api, ApiError } from '../../api/client'
import { useDismissNotify, useNotify } from '../../components/Notify'
import { useApp } from '../../context'
import { useCall } from '../../hooks/useApi'
import { useEvent } from '../../hooks/useEvent'
import { useShortcut } from '../../hooks/useShortcut'
import { navigate } from '../../nav'
import { ActionQueue, actionSpec, type Corners, type ReviewAction } from './actions'
import { BulkConfirmDialog } from './BulkConfirmDialog'
import { Drafts } from './drafts'
import { Filters } from './Filters'
import { FrameArea } from './FrameArea'
import { NewPlateDialog } from './NewPlateDialog'
import { PlateEditor } from './PlateEditor'
import { PlateCache, placeholderDetail, rowOf } from './plateCache'
import { QueueList } from './QueueList'
import { useQueue } from './useQueue'
import { LeaseKeeper } from './leases'
import { candidateChoices } from './normalize'
import { plateForInput } from '@shared/plate-text'
import { useCan } from '../../auth'

// memoised here: a key re-renders the editor and the changed rows, not the filters
const FiltersMemo = memo(Filters)
const PlateEditorMemo = memo(PlateEditor)

/** plates fetched ahead of the one shown (details, their media's boxes, crop and frame images) */
const PREFETCH_AHEAD = 6
/** team review: how often the screen renews the leases on its plates (they run 2 minutes) */
const LEASE_RENEW_MS = 30_000

// memoised: the shell re-renders on every decision (its library counts), the screen need not
export const ReviewScreen = memo(function ReviewScreen({ mediaId, plateId }: { mediaId?: number; plateId?: number }) {
  const { settings, setModal } = useApp()
  const notify = useNotify()
  const dismissNotify = useDismissNotify()
  const call = useCall()
  const [filter, setFilter] = useState<PlateFilter>(() => (mediaId ? { state: 'all', mediaId } : { state: 'unreviewed' }))
  const [sort, setSort] = useState<PlateSort>(mediaId ? 'media' : 'confidence')
  useEffect(() => {
    if (mediaId) {
      setFilter({ state: 'all', mediaId })
      setSort('media')
    }
  }, [mediaId])

  const queue = useQueue(filter, sort)
  const queueRef = useRef(queue)
  queueRef.current = queue
  const cache = useMemo(() => new PlateCache(), [])
  const actions = useMemo(() => new ActionQueue(), [])
  const leases = useMemo(() => new LeaseKeeper(), [])

  // The selected plate. The ref moves synchronously with each key, so keys pressed before React renders
  // still act on the plate they were pressed on.
  const [sel, setSelState] = useState<{ index: number; id: number | null }>({ index: 0, id: plateId ?? null })
  const selRef = useRef(sel)
  const shownMedia = useRef<number | null>(null)

  // re-render when what is shown changes: the selected plate's detail, its media's plates, the drafts
  // (prefetched plates arriving re-render nothing: a key press finds them in the cache)
  const [cacheTick, setCacheTick] = useState(0)
  const [draftTick, setDraftTick] = useState(0)
  useEffect(() => {
    const offCache = cache.onChange((c) => {
      if (!c || (c.plateId !== undefined && c.plateId === selRef.current.id) || (c.mediaId !== undefined && c.mediaId === shownMedia.current))
        setCacheTick((t) => t + 1)
    })
    const offDrafts = Drafts.onChange(() => setDraftTick((t) => t + 1))
    return () => {
      offCache()
      offDrafts()
    }
  }, [cache])
  const setSel = useCallback((next: { index: number; id: number | null }) => {
    selRef.current = next
    setSelState(next)
  }, [])
  const [drawing, setDrawing] = useState(false)
  const [drawn, setDrawn] = useState<BoxT | null>(null)
  const [bulkOpen, setBulkOpen] = useState(false)
  const [focusTick, setFocusTick] = useState(0)
  const modal = bulkOpen || drawn !== null
  useEffect(() => setModal(modal), [modal, setModal])

  // the selection follows the loaded rows: an index without an id takes the row's id once it loads
  const rowAtSel = queue.row(sel.index)
  useEffect(() => {
    if (sel.id === null && rowAtSel) setSel({ index: sel.index, id: rowAtSel.id })
  }, [sel, rowAtSel, setSel])
  // a new filter or order starts at the top (not on mount: a plate from the route stays selected)
  const filterKey = JSON.stringify({ filter, sort })
  const lastFilterKey = useRef(filterKey)
  useEffect(() => {
    if (lastFilterKey.current === filterKey) return
    lastFilterKey.current = filterKey
    setSel({ index: 0, id: null })
  }, [filterKey, setSel])
  // a plate named by the route is shown at its place in the queue once that is known
  useEffect(() => {
    if (sel.id === null) return
    const at = queue.indexOf(sel.id)
    if (at >= 0 && at !== sel.index) setSel({ index: at, id: sel.id })
  }, [queue, sel, setSel])

  /** the plate at the selection as the screen shows it: fetched detail, else its row, with local changes */
  const shownPlate = useCallback(
    (s: { index: number; id: number | null }): PlateDetail | null => {
      if (s.id === null) return null
      const d = cache.detail(s.id)
      if (d) return d
      const q = queueRef.current
      let row = q.row(s.index)
      if (!row || row.id !== s.id) row = q.row(q.indexOf(s.id)) // the list was reloaded under it
      return row && row.id === s.id ? placeholderDetail(cache.row(row)) : null
    },
    [cache]
  )
  // eslint-disable-next-line react-hooks/exhaustive-deps -- cacheTick and queue.version say when to look again
  const detail = useMemo(() => shownPlate(sel), [shownPlate, sel, cacheTick, queue.version])
  shownMedia.current = detail?.mediaId ?? null
  // the frame below and the list's highlight follow in a second, interruptible render: the text shows first
  const framePlate = useDeferredValue(detail)
  const listQueue = useDeferredValue(queue)
  const listSelected = useDeferredValue(sel.index)

  // the selected plate's detail, and the next ones ahead
  useEffect(() => {
    if (sel.id === null) return
    cache.load(sel.id).catch((err: unknown) => {
      if (selRef.current.id === sel.id) notify(ApiError.from(err).message, 'error')
    })
  }, [sel.id, cache, notify])
  const total = queue.total ?? 0
  useEffect(() => {
    queue.ensure(sel.index, sel.index + PREFETCH_AHEAD)
    const ids: number[] = []
    for (let i = sel.index + 1; i <= sel.index + PREFETCH_AHEAD && i < total; i++) {
      const r = queue.row(i)
      if (r) ids.push(r.id)
    }
    if (sel.id !== null) leases.hold([sel.id, ...ids])
    const before = queue.row(sel.index - 1)
    if (before) ids.push(before.id)
    cache.prefetch(ids)
  })
  useEffect(() => {
    const t = setInterval(() => leases.renew(), LEASE_RENEW_MS)
    const touch = (): void => leases.touch()
    window.addEventListener('keydown', touch, true)
    window.addEventListener('pointerdown', touch, true)
    return () => {
      clearInterval(t)
      window.removeEventListener('keydown', touch, true)
      window.removeEventListener('pointerdown', touch, true)
      leases.release()
    }
  }, [leases])
  // a message is about the plate it appeared on: moving to another plate clears it (except the one that
  // says why the screen moved: a plate someone else holds)
  const movedNote = useRef<string | null>(null)
  useEffect(() => {
    dismissNotify()
    if (movedNote.current) notify(movedNote.current, 'info')
    movedNote.current = null
  }, [sel.id, dismissNotify, notify])

  // the library changed elsewhere (import, another window): refresh the list, keep the selection
  useEvent('library.changed', (e) => {
    if (e.reason === 'review' || e.reason === 'undo') return // our own actions patch or reload explicitly
    if (e.reason === 'import') cache.forgetMediaPlates() // new plates may sit on frames we show
    if (e.reason === 'tracks') cache.forget(e.plateIds) // a track's text or members changed in the Video screen
    void queue.reload(selRef.current.index)
  })

  const select = useCallback(
    (index: number) => {
      const t = queueRef.current.total ?? 0
      if (t === 0) return
      const i = Math.max(0, Math.min(t - 1, index))
      setSel({ index: i, id: queueRef.current.row(i)?.id ?? null })
    },
    [setSel]
  )

  // team review: a plate someone else holds is passed over with a word (their decision will come in)
  useEffect(
    () =>
      leases.onChange(() => {
        const at = selRef.current
        const holder = at.id !== null ? leases.holder(at.id) : undefined
        if (holder === undefined) return
        movedNote.current = `Plate #${at.id} is being reviewed by ${holder}; moved on`
        select(at.index + 1)
      }),
    [leases, select]
  )

  /**
   * One review decision: shown at once (the plate's new state, the next plate), sent in key order by the
   * action queue. A refusal puts the plate back as it was, keeps what was typed as a draft, and says why.
   */
  const dispatch = useCallback(
    (action: ReviewAction) => {
      const spec = actionSpec(action)
      const id = action.plateId
      const at = selRef.current
      const plate = at.id === id ? shownPlate(at) : cache.detail(id)
      if (!plate) return
      const prevLocal = cache.local(id)
      const draft = Drafts.get(id)
      const before = rowOf(plate)
      const optimistic = spec.optimistic(before, action)
      cache.put(optimistic)
      queueRef.current.patch(optimistic)
      if (spec.advance) {
        Drafts.delete(id)
        if (at.id === id) select(at.index + 1)
      }
      actions
        .run(() => spec.send(action))
        .then(
          (row) => {
            cache.put(row)
            queueRef.current.patch(row)
          },
          (err: unknown) => {
            if (prevLocal) cache.put(prevLocal)
            else cache.drop(id)
            queueRef.current.patch(prevLocal ?? before)
            if (draft !== undefined && !Drafts.has(id)) Drafts.set(id, draft, plateForInput(before.text))
            notify(`Plate ${before.text || `#${id}`} was not saved: ${ApiError.from(err).message}`, 'error')
          }
        )
    },
    [cache, actions, shownPlate, select, notify]
  )

  const current = useCallback(() => shownPlate(selRef.current), [shownPlate])

  const submit = useCallback(() => {
    const plate = current()
    if (!plate) return
    const stored = plateForInput(plate.text) // a two-row plate edits as ROW1/ROW2
    const text = Drafts.get(plate.id) ?? stored
    if (!text) {
      notify('Type the plate text; Ctrl+I if it is a plate nobody can read; Delete if it is not a plate', 'warning')
      return
    }
    if (text !== stored) dispatch({ kind: 'correct', plateId: plate.id, text })
    else if (plate.reviewState === 'unreviewed' || plate.reviewState === 'rejected') dispatch({ kind: 'confirm', plateId: plate.id })
    else select(selRef.current.index + 1)
  }, [current, dispatch, notify, select])

  const reject = useCallback(() => {
    const plate = current()
    if (plate) dispatch({ kind: 'reject', plateId: plate.id })
  }, [current, dispatch])

  const illegible = useCallback(() => {
    const plate = current()
    if (plate) dispatch({ kind: 'illegible', plateId: plate.id })
  }, [current, dispatch])

  /** reloads the list from the backend and shows `id` (or the same place) */
  const resync = useCallback(
    async (id: number | null) => {
      const idx = selRef.current.index
      const n = await queueRef.current.reload(idx)
      const at = id !== null ? queueRef.current.indexOf(id) : -1
      if (id !== null) setSel({ index: at >= 0 ? at : idx, id })
      else {
        const i = Math.max(0, Math.min(n - 1, idx))
        setSel({ index: i, id: queueRef.current.row(i)?.id ?? null })
      }
    },
    [setSel]
  )

  // undo runs in the action queue too: after the decisions pressed before it, before those pressed after
  const undo = useCallback(() => {
    actions
      .run(() => api.call('history.undo', {}))
      .then(
        async (r) => {
          if (r.undone === 0) return notify('Nothing to undo', 'info')
          notify(`Undone (${r.undone} change${r.undone === 1 ? '' : 's'})`, 'success')
          cache.forget(r.plateIds)
          await resync(r.plateIds[0] ?? null)
        },
        (err: unknown) => notify(ApiError.from(err).message, 'error')
      )
  }, [actions, cache, notify, resync])

  const setBox = useCallback(
    (box: BoxT) => {
      const plate = current()
      if (plate) dispatch({ kind: 'box', plateId: plate.id, box })
    },
    [current, dispatch]
  )
  const setCorners = useCallback(
    (corners: Corners | null) => {
      const plate = current()
      if (plate) dispatch({ kind: 'corners', plateId: plate.id, corners })
    },
    [current, dispatch]
  )

  const addPlate = useCallback(
    async (t: string, illegible = false) => {
      if (!detail || !drawn) return
      const box = drawn
      setDrawn(null)
      setDrawing(false)
      setFocusTick((t) => t + 1) // back to the plate text
      try {
        const row = await actions.run(() =>
          call('plates.add', { mediaId: detail.mediaId, frameIdx: detail.frameIdx, box, text: t, ...(illegible ? { illegible } : {}) })
        )
        notify(`Added ${row.text || 'an illegible plate'}`, 'success')
        cache.refreshMedia(detail.mediaId)
        await resync(selRef.current.id)
      } catch {
        // shown
      }
    },
    [detail, drawn, call, notify, cache, actions, resync]
  )

  const text = detail ? (Drafts.get(detail.id) ?? plateForInput(detail.text)) : ''
  const onText = useCallback(
    (t: string) => {
      const plate = current()
      if (plate) Drafts.set(plate.id, t, plateForInput(plate.text))
    },
    [current]
  )

  // review keys work with the focus on the plate input or outside any text field (not in the search box)
  const ready = !!detail
  const keys = { enabled: !modal && ready, allowIn: (el: HTMLElement) => el.dataset.reviewKeys === 'true' }
  useShortcut('Enter', submit, keys)
  useShortcut(['Delete', 'Ctrl+Backspace'], reject, keys)
  useShortcut(['Ctrl+I', 'Alt+I'], illegible, keys)
  useShortcut(['PageDown', 'Alt+ArrowDown', 'Alt+ArrowRight'], () => select(selRef.current.index + 1), { ...keys, enabled: !modal })
  useShortcut(['PageUp', 'Alt+ArrowUp', 'Alt+ArrowLeft'], () => select(selRef.current.index - 1), { ...keys, enabled: !modal })
  useShortcut('Ctrl+Z', undo, { ...keys, enabled: !modal })
  // no plain-letter shortcut: the plate text field has the focus, and a letter belongs there
  useShortcut('Alt+B', () => setDrawing((d) => !d), keys)
  useShortcut(
    'Escape',
    () => {
      const plate = current()
      if (drawing) setDrawing(false)
      else if (plate && Drafts.has(plate.id)) Drafts.delete(plate.id) // first Esc drops the draft
      else (document.activeElement as HTMLElement | null)?.blur()
    },
    { ...keys, preventDefault: false }
  )
  const candidateKeys = useMemo(() => Array.from({ length: 9 }, (_, i) => [`Alt+${i + 1}`, `F${i + 1}`]), [])
  useShortcut(
    candidateKeys.flat(),
    (e) => {
      const n = e.key.startsWith('F') ? Number(e.key.slice(1)) : Number(e.code.replace(/\D/g, ''))
      const plate = current()
      const c = plate ? candidateChoices(plate.candidates)[n - 1] : undefined
      if (plate && c) Drafts.set(plate.id, plateForInput(c.plate), plateForInput(plate.text))
    },
    keys
  )
  useShortcut('Mod+B', () => setBulkOpen(true), keys)

  const frameMedia = framePlate?.mediaId
  // eslint-disable-next-line react-hooks/exhaustive-deps -- cacheTick says when to look again
  const siblings = useMemo(() => (frameMedia === undefined ? undefined : cache.mediaPlates(frameMedia)), [cache, frameMedia, cacheTick])
  const onSelectBox = useCallback(
    (id: number) => {
      const at = queueRef.current.indexOf(id)
      setSel({ index: at >= 0 ? at : selRef.current.index, id })
    },
    [setSel]
  )
  const onDrawn = useCallback((b: BoxT) => setDrawn(b), [])
  const onQueueSelect = useCallback(
    (i: number, r: PlateRow) => {
      setSel({ index: i, id: r.id })
      setFocusTick((t) => t + 1)
    },
    [setSel]
  )
  const onFilters = useCallback((f: PlateFilter, s: PlateSort) => {
    setFilter(f)
    setSort(s)
  }, [])
  const onPrev = useCallback(() => select(selRef.current.index - 1), [select])
  const onNext = useCallback(() => select(selRef.current.index + 1), [select])
  const onDraw = useCallback(() => setDrawing((d) => !d), [])
  const onHistory = useCallback(() => {
    const id = selRef.current.id
    if (id !== null) navigate({ screen: 'history', plateId: id })
  }, [])
  const onAllFiles = useCallback(() => {
    setFilter((f) => {
      const { mediaId: _drop, ...rest } = f
      void _drop
      return { ...rest, state: 'unreviewed' }
    })
    setSort('confidence')
    navigate({ screen: 'review' })
  }, [])
  const onBulk = useCallback(() => setBulkOpen(true), [])
  const position = detail && queue.indexOf(detail.id) >= 0 ? `${sel.index + 1} of ${total.toLocaleString()}` : 'not in this list'
  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: 'clamp(280px, 28vw, 380px) minmax(0, 1fr)', height: '100%', minHeight: 0 }}>
      <Box sx={{ display: 'flex', flexDirection: 'column', borderRight: 1, borderColor: 'divider', minHeight: 0, bgcolor: 'background.paper' }}>
        <FiltersMemo filter={filter} sort={sort} lowConfidence={settings?.lowConfidence ?? 0.7} doubleReview={settings?.doubleReview} onChange={onFilters} />
        <QueueHeader total={listQueue.total} actions={actions} oneFile={filter.mediaId !== undefined} doubleReview={!!settings?.doubleReview} onAllFiles={onAllFiles} onBulk={onBulk} />
        {queue.error && <Alert severity="error">{queue.error.message}</Alert>}
        <QueueList
          queue={listQueue}
          selected={listSelected}
          isDraft={Drafts.has}
          draftsVersion={draftTick}
          onSelect={onQueueSelect}
        />
      </Box>

      <Box sx={{ display: 'flex', flexDirection: 'column', minWidth: 0, minHeight: 0 }}>
        {detail ? (
          <>
            <Box sx={{ p: 2, pb: 1.5 }}>
              <PlateEditorMemo
                plate={detail}
                text={text}
                onText={onText}
                onSubmit={submit}
                onReject={reject}
                onIllegible={illegible}
                onPrev={onPrev}
                onNext={onNext}
                onUndo={undo}
                onDraw={onDraw}
                onHistory={onHistory}
                focusTick={focusTick}
                position={position}
                draft={Drafts.has(detail.id)}
              />
            </Box>
            <Divider />
            {framePlate && (
              <FrameArea
                plate={framePlate}
                siblings={siblings}
                drawing={drawing}
                onBoxChange={setBox}
                onCornersChange={setCorners}
                onDrawn={onDrawn}
                onSelectBox={onSelectBox}
              />
            )}
          </>
        ) : (
          <Box sx={{ display: 'grid', placeItems: 'center', height: '100%', color: 'text.secondary', textAlign: 'center', p: 4 }}>
            {queue.total === 0 ? (
              <Box data-testid="review-empty">
                <TaskAltRounded sx={{ fontSize: 56, color: 'success.main' }} />
                <Typography variant="h6" sx={{ mt: 1 }}>
                  Nothing to review here
                </Typography>
                <Typography variant="body2">Change the filters, or import more photos and videos in the Library.</Typography>
                <Button sx={{ mt: 2 }} variant="outlined" onClick={() => navigate({ screen: 'library' })}>
                  Go to the library
                </Button>
              </Box>
            ) : (
              <Typography>Loading…</Typography>
            )}
          </Box>
        )}
      </Box>
      <BulkConfirmDialog
        open={bulkOpen}
        filter={filter}
        onClose={() => setBulkOpen(false)}
        onDone={(n) => {
          setBulkOpen(false)
          notify(`Confirmed ${n} plate${n === 1 ? '' : 's'} (Ctrl+Z undoes the batch)`, 'success')
          cache.forget()
          void resync(null)
        }}
      />
      <NewPlateDialog
        open={drawn !== null}
        onCancel={() => {
          setDrawn(null)
          setDrawing(false)
          setFocusTick((t) => t + 1)
        }}
        onSave={(t, illegible) => void addPlate(t, illegible)}
      />
    </Box>
  )
})

/** the queue's count, the saving count and bulk confirm (memoised: a key press leaves it alone) */
const QueueHeader = memo(function QueueHeader(props: { total: number | null; actions: ActionQueue; oneFile: boolean; doubleReview: boolean; onAllFiles: () => void; onBulk: () => void }) {
  const canBulk = useCan()('plates.bulkConfirm')
  const { total } = props
  return (
    <Stack direction="row" sx={{ px: 1.5, py: 0.75, alignItems: 'center', justifyContent: 'space-between', borderBottom: 1, borderColor: 'divider' }}>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', minWidth: 0 }}>
        <Typography variant="caption" color="text.secondary" data-testid="queue-total" sx={{ whiteSpace: 'nowrap' }}>
          {total === null ? 'Loading…' : `${total.toLocaleString()} plate${total === 1 ? '' : 's'}`}
        </Typography>
        <Saving actions={props.actions} />
        {props.oneFile && <Chip label="one file" onDelete={props.onAllFiles} sx={{ height: 20, fontSize: 11 }} />}
        {props.doubleReview && (
          <Tooltip title="Double review: your decision is a vote; the plate is settled when a second reviewer decides the same">
            <Chip label="double review" color="info" variant="outlined" data-testid="double-review-on" sx={{ height: 20, fontSize: 11 }} />
          </Tooltip>
        )}
      </Stack>
      <Button size="small" startIcon={<DoneAllRounded />} onClick={props.onBulk} data-testid="btn-bulk" sx={canBulk ? undefined : { display: 'none' }}>
        Bulk confirm…
      </Button>
    </Stack>
  )
})

/** "· saving 3…" while decisions are on their way (its own component: the count re-renders only this) */
function Saving({ actions }: { actions: ActionQueue }) {
  const [pending, setPending] = useState(actions.pending)
  useEffect(() => actions.onChange(setPending), [actions])
  if (pending === 0) return null
  return (
    <Typography variant="caption" color="text.secondary" data-testid="saving" sx={{ whiteSpace: 'nowrap' }}>
      · saving {pending}…
    </Typography>
  )
}
