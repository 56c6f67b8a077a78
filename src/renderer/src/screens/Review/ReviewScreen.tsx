// Review: the queue (least certain first) on the left, the current plate on the right. Everything is
// one key away: Enter confirms or saves the correction and moves on, Delete rejects, PageUp/PageDown
// move, Ctrl+Z undoes, Alt+1..9 pick a candidate, Alt+B draws a missed plate.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { Alert, Box, Button, Chip, Divider, Stack, Typography } from '@mui/material'
import DoneAllRounded from '@mui/icons-material/DoneAllRounded'
import TaskAltRounded from '@mui/icons-material/TaskAltRounded'
import type { Box as BoxT, PlateDetail, PlateFilter, PlateRow, PlateSort } from '@shared/types'
import { api, ApiError } from '../../api/client'
import { FrameView } from '../../components/FrameView'
import { Kbd } from '../../components/Kbd'
import { useDismissNotify, useNotify } from '../../components/Notify'
import { useApp } from '../../context'
import { useApi, useCall } from '../../hooks/useApi'
import { useEvent } from '../../hooks/useEvent'
import { useShortcut } from '../../hooks/useShortcut'
import { navigate } from '../../nav'
import { BulkConfirmDialog } from './BulkConfirmDialog'
import { Filters } from './Filters'
import { NewPlateDialog } from './NewPlateDialog'
import { PlateEditor } from './PlateEditor'
import { QueueList } from './QueueList'
import { useQueue } from './useQueue'
import { candidateChoices } from './normalize'
import { plateForInput } from '@shared/plate-text'
import { displayPath } from '@shared/display'

export function ReviewScreen({ mediaId, plateId }: { mediaId?: number; plateId?: number }) {
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
  const [sel, setSel] = useState<{ index: number; id: number | null }>({ index: 0, id: plateId ?? null })
  const [detail, setDetail] = useState<PlateDetail | null>(null)
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
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
  }, [sel, rowAtSel])
  // a new filter or order starts at the top (not on mount: a plate from the route stays selected)
  const filterKey = JSON.stringify({ filter, sort })
  const lastFilterKey = useRef(filterKey)
  useEffect(() => {
    if (lastFilterKey.current === filterKey) return
    lastFilterKey.current = filterKey
    setSel({ index: 0, id: null })
  }, [filterKey])
  // a plate named by the route is shown at its place in the queue once that is known
  useEffect(() => {
    if (sel.id === null) return
    const at = queue.indexOf(sel.id)
    if (at >= 0 && at !== sel.index) setSel({ index: at, id: sel.id })
  }, [queue, sel])

  // the current plate's detail
  const loadSeq = useRef(0)
  const loadDetail = useCallback(async (id: number | null): Promise<void> => {
    const mine = ++loadSeq.current
    if (id === null) {
      setDetail(null)
      return
    }
    try {
      const d = await api.call('plates.get', { id })
      if (mine !== loadSeq.current) return
      setDetail(d)
      setText(plateForInput(d.text)) // a two-row plate edits as ROW1/ROW2
    } catch (err) {
      if (mine === loadSeq.current) {
        setDetail(null)
        notify(ApiError.from(err).message, 'error')
      }
    }
  }, [notify])
  useEffect(() => {
    void loadDetail(sel.id)
  }, [sel.id, loadDetail])
  // a message is about the plate it appeared on: moving to another plate clears it
  useEffect(() => dismissNotify(), [sel.id, dismissNotify])

  // other plates in the same frame, for context (and to avoid drawing a plate twice)
  const siblings = useApi('plates.list', detail ? { filter: { mediaId: detail.mediaId, state: 'all' }, sort: 'media', limit: 200 } : null, { live: true })

  // the library changed elsewhere (import, another window): refresh the list, keep the selection
  const selRef = useRef(sel)
  selRef.current = sel
  useEvent('library.changed', (e) => {
    if (e.reason === 'review' || e.reason === 'undo') return // our own actions reload explicitly
    void queue.reload(selRef.current.index)
  })

  const total = queue.total ?? 0
  const select = useCallback(
    (index: number) => {
      if (total === 0) return
      const i = Math.max(0, Math.min(total - 1, index))
      setSel({ index: i, id: queue.row(i)?.id ?? null })
    },
    [queue, total]
  )

  /** After an action on the current plate: reload and select what was next (or the same index). */
  const advance = useCallback(
    async (nextId: number | null, fallbackIndex: number) => {
      const n = await queue.reload(fallbackIndex)
      const at = nextId !== null ? queue.indexOf(nextId) : -1
      if (at >= 0) setSel({ index: at, id: nextId })
      else {
        const i = Math.max(0, Math.min(n - 1, fallbackIndex))
        setSel({ index: i, id: queue.row(i)?.id ?? null })
      }
    },
    [queue]
  )

  // keys act on the plate the editor shows, and only once it shows the selected one
  const ready = !!detail && detail.id === sel.id
  const act = useCallback(
    async (fn: () => Promise<unknown>, { moveOn = true } = {}) => {
      if (busy || !detail || detail.id !== sel.id) return
      setBusy(true)
      const idx = sel.index
      const nextId = queue.row(idx + 1)?.id ?? null
      try {
        await fn()
        if (moveOn) await advance(nextId, idx + (queue.indexOf(detail.id) === idx ? 1 : 0))
        else {
          await queue.reload(idx)
          await loadDetail(detail.id)
        }
      } catch {
        // useCall already showed the error
      } finally {
        setBusy(false)
      }
    },
    [busy, detail, sel.index, sel.id, queue, advance, loadDetail]
  )

  const submit = useCallback(() => {
    if (!detail || detail.id !== sel.id) return
    if (!text) {
      notify('Type the plate text; Ctrl+I if it is a plate nobody can read; Delete if it is not a plate', 'warning')
      return
    }
    if (text !== plateForInput(detail.text)) void act(() => call('plates.correct', { id: detail.id, text }))
    else if (detail.reviewState === 'unreviewed' || detail.reviewState === 'rejected') void act(() => call('plates.confirm', { id: detail.id }))
    else select(sel.index + 1)
  }, [detail, text, act, call, notify, select, sel.index, sel.id])

  const reject = useCallback(() => {
    if (detail) void act(() => call('plates.reject', { id: detail.id }))
  }, [detail, act, call])

  const illegible = useCallback(() => {
    if (detail) void act(() => call('plates.illegible', { id: detail.id }))
  }, [detail, act, call])

  const undo = useCallback(async () => {
    if (busy) return
    setBusy(true)
    try {
      const r = await call('history.undo', {})
      if (r.undone === 0) notify('Nothing to undo', 'info')
      else {
        notify(`Undone (${r.undone} change${r.undone === 1 ? '' : 's'})`, 'success')
        await queue.reload(sel.index)
        const id = r.plateIds[0]
        if (id !== undefined) {
          const at = queue.indexOf(id)
          setSel({ index: at >= 0 ? at : sel.index, id })
          if (id === detail?.id) await loadDetail(id)
        }
      }
    } catch {
      // shown by useCall
    } finally {
      setBusy(false)
    }
  }, [busy, call, notify, queue, sel.index, detail, loadDetail])

  const setBox = useCallback(
    (box: BoxT) => {
      if (detail) void act(() => call('plates.setBox', { id: detail.id, box }), { moveOn: false })
    },
    [detail, act, call]
  )

  const addPlate = useCallback(
    async (t: string, illegible = false) => {
      if (!detail || !drawn) return
      const box = drawn
      setDrawn(null)
      setDrawing(false)
      setFocusTick((t) => t + 1) // back to the plate text
      try {
        const row = await call('plates.add', { mediaId: detail.mediaId, frameIdx: detail.frameIdx, box, text: t, ...(illegible ? { illegible } : {}) })
        notify(`Added ${row.text || 'an illegible plate'}`, 'success')
        siblings.reload()
        await queue.reload(sel.index)
      } catch {
        // shown
      }
    },
    [detail, drawn, call, notify, siblings, queue, sel.index]
  )

  // review keys work with the focus on the plate input or outside any text field (not in the search box)
  const keys = { enabled: !modal && ready, allowIn: (el: HTMLElement) => el.dataset.reviewKeys === 'true' }
  useShortcut('Enter', submit, keys)
  useShortcut(['Delete', 'Ctrl+Backspace'], reject, keys)
  useShortcut(['Ctrl+I', 'Alt+I'], illegible, keys)
  useShortcut(['PageDown', 'Alt+ArrowDown', 'Alt+ArrowRight'], () => select(sel.index + 1), { ...keys, enabled: !modal })
  useShortcut(['PageUp', 'Alt+ArrowUp', 'Alt+ArrowLeft'], () => select(sel.index - 1), { ...keys, enabled: !modal })
  useShortcut('Ctrl+Z', () => void undo(), { ...keys, enabled: !modal })
  // no plain-letter shortcut: the plate text field has the focus, and a letter belongs there
  useShortcut('Alt+B', () => setDrawing((d) => !d), keys)
  useShortcut(
    'Escape',
    () => {
      if (drawing) setDrawing(false)
      else (document.activeElement as HTMLElement | null)?.blur()
    },
    { ...keys, preventDefault: false }
  )
  const candidateKeys = useMemo(() => Array.from({ length: 9 }, (_, i) => [`Alt+${i + 1}`, `F${i + 1}`]), [])
  useShortcut(
    candidateKeys.flat(),
    (e) => {
      const n = e.key.startsWith('F') ? Number(e.key.slice(1)) : Number(e.code.replace(/\D/g, ''))
      const c = detail ? candidateChoices(detail.candidates)[n - 1] : undefined
      if (c) setText(plateForInput(c.plate))
    },
    keys
  )
  useShortcut('Mod+B', () => setBulkOpen(true), keys)

  const frameBoxes = (siblings.data?.items ?? [])
    .filter((p) => detail && p.frameIdx === detail.frameIdx)
    .map((p: PlateRow) => ({ id: p.id, box: p.box, label: p.reviewState === 'rejected' ? `✕ ${p.text}` : p.text || '?', dim: p.reviewState === 'rejected' }))

  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: 'clamp(280px, 28vw, 380px) minmax(0, 1fr)', height: '100%', minHeight: 0 }}>
      <Box sx={{ display: 'flex', flexDirection: 'column', borderRight: 1, borderColor: 'divider', minHeight: 0, bgcolor: 'background.paper' }}>
        <Filters
          filter={filter}
          sort={sort}
          lowConfidence={settings?.lowConfidence ?? 0.7}
          onChange={(f, s) => {
            setFilter(f)
            setSort(s)
          }}
        />
        <Stack direction="row" sx={{ px: 1.5, py: 0.75, alignItems: 'center', justifyContent: 'space-between', borderBottom: 1, borderColor: 'divider' }}>
          <Stack direction="row" spacing={1} sx={{ alignItems: 'center', minWidth: 0 }}>
            <Typography variant="caption" color="text.secondary" data-testid="queue-total" sx={{ whiteSpace: 'nowrap' }}>
              {queue.total === null ? 'Loading…' : `${queue.total.toLocaleString()} plate${queue.total === 1 ? '' : 's'}`}
            </Typography>
            {filter.mediaId !== undefined && (
              <Chip
                label="one file"
                onDelete={() => {
                  const { mediaId: _drop, ...rest } = filter
                  void _drop
                  setFilter({ ...rest, state: 'unreviewed' })
                  setSort('confidence')
                  navigate({ screen: 'review' })
                }}
                sx={{ height: 20, fontSize: 11 }}
              />
            )}
          </Stack>
          <Button size="small" startIcon={<DoneAllRounded />} onClick={() => setBulkOpen(true)} data-testid="btn-bulk">
            Bulk confirm…
          </Button>
        </Stack>
        {queue.error && <Alert severity="error">{queue.error.message}</Alert>}
        <QueueList
          queue={queue}
          selected={sel.index}
          onSelect={(i, r) => {
            setSel({ index: i, id: r.id })
            setFocusTick((t) => t + 1)
          }}
        />
      </Box>

      <Box sx={{ display: 'flex', flexDirection: 'column', minWidth: 0, minHeight: 0 }}>
        {detail ? (
          <>
            <Box sx={{ p: 2, pb: 1.5 }}>
              <PlateEditor
                plate={detail}
                text={text}
                onText={setText}
                onSubmit={submit}
                onReject={reject}
                onIllegible={illegible}
                onPrev={() => select(sel.index - 1)}
                onNext={() => select(sel.index + 1)}
                onUndo={() => void undo()}
                onDraw={() => setDrawing((d) => !d)}
                onHistory={() => navigate({ screen: 'history', plateId: detail.id })}
                focusTick={focusTick}
                position={queue.indexOf(detail.id) >= 0 ? `${sel.index + 1} of ${total.toLocaleString()}` : 'not in this list'}
                busy={busy}
              />
            </Box>
            <Divider />
            <Stack direction="row" sx={{ px: 2, py: 0.75, alignItems: 'center', gap: 1.5 }}>
              <Typography variant="caption" color="text.secondary" noWrap sx={{ flex: 1, minWidth: 0 }} title={displayPath(detail.mediaPath)}>
                {displayPath(detail.mediaPath)}
                {detail.mediaKind === 'video' ? ` · frame ${detail.frameIdx}${detail.frameTimeS != null ? ` (${detail.frameTimeS.toFixed(2)} s)` : ''}` : ''}
              </Typography>
              {drawing ? (
                <Typography variant="caption" color="secondary.main" data-testid="draw-hint">
                  Drag on the frame to draw the missed plate · <Kbd>Esc</Kbd> cancels
                </Typography>
              ) : (
                <Typography variant="caption" color="text.secondary">
                  Drag the box or its handles to fix it · <Kbd>Alt+B</Kbd> draws a missed plate
                </Typography>
              )}
            </Stack>
            <Box sx={{ flex: 1, minHeight: 0, px: 2, pb: 2 }}>
              <FrameView
                mediaId={detail.mediaId}
                frameIdx={detail.frameIdx}
                width={detail.frameWidth}
                height={detail.frameHeight}
                boxes={frameBoxes}
                current={{ id: detail.id, box: detail.box, label: detail.text }}
                editable={!busy}
                drawing={drawing}
                onBoxChange={setBox}
                corners={detail.corners ?? null}
                onCornersChange={(corners) => void act(() => call('plates.setCorners', { id: detail.id, corners }), { moveOn: false })}
                onDrawn={(b) => setDrawn(b)}
                onSelectBox={(id) => {
                  const at = queue.indexOf(id)
                  setSel({ index: at >= 0 ? at : sel.index, id })
                }}
              />
            </Box>
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
          void advance(null, 0)
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
}
