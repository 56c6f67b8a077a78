// The current plate: zoomed crop, the text input (focused, per-character confidence under it), the
// candidates one keystroke away, and the review actions with their keys. Every region has a fixed size,
// so nothing below it (the frame) moves from one plate to the next.
import { memo, useLayoutEffect, useRef } from 'react'
import { Box, Button, Chip, InputBase, Stack, Tooltip, Typography, useTheme } from '@mui/material'
import CheckRounded from '@mui/icons-material/CheckRounded'
import BlockRounded from '@mui/icons-material/BlockRounded'
import UndoRounded from '@mui/icons-material/UndoRounded'
import NavigateBeforeRounded from '@mui/icons-material/NavigateBeforeRounded'
import NavigateNextRounded from '@mui/icons-material/NavigateNextRounded'
import CropFreeRounded from '@mui/icons-material/CropFreeRounded'
import HistoryRounded from '@mui/icons-material/HistoryRounded'
import VisibilityOffRounded from '@mui/icons-material/VisibilityOffRounded'
import { AlphabetWarning } from '../../components/AlphabetWarning'
import type { PlateDetail } from '@shared/types'
import { Kbd } from '../../components/Kbd'
import { MediaImage } from '../../components/MediaImage'
import { StateChip } from '../../components/StateChip'
import { isTextTarget } from '../../hooks/useShortcut'
import { confidenceColor, MONO } from '../../theme'
import { CharConfidence } from './CharConfidence'
import { candidateChoices, normalizePlate } from './normalize'
import { CROP_SIZE, editorCrop } from './plateCache'
import { useCan } from '../../auth'

const FONT = 30
/** fixed heights of the editor's regions (px); the editor fits two rows of buttons (a 1280-px window) */
export const EDITOR_HEIGHT = 312
const CROP_HEIGHT = 150
const CANDIDATES_HEIGHT = 58

export function PlateEditor(props: {
  plate: PlateDetail
  text: string
  onText: (t: string) => void
  onSubmit: () => void
  onReject: () => void
  /** a real plate nobody can read (Ctrl+I) */
  onIllegible?: () => void
  onPrev: () => void
  onNext: () => void
  onUndo: () => void
  onDraw: () => void
  onHistory: () => void
  position: string
  /** the text is an unsaved draft (kept while moving between plates) */
  draft: boolean
  /** bumps when the plate input should take the focus again (a click in the queue) */
  focusTick?: number
}) {
  const { plate, text, onText } = props
  const canEdit = useCan()('plates.confirm')
  const theme = useTheme()
  const input = useRef<HTMLInputElement>(null)
  const modelText = plate.modelText ?? plate.text

  // a new plate: focus the text, all selected, so typing replaces it and arrows edit it. Before the next
  // key (layout effect), and never away from another text field the person is typing in (the search box):
  // only an explicit request (focusTick: a click in the queue, a closed dialog) takes the focus from there.
  const lastTick = useRef(props.focusTick)
  useLayoutEffect(() => {
    const el = input.current
    if (!el) return
    const asked = lastTick.current !== props.focusTick
    lastTick.current = props.focusTick
    const active = document.activeElement
    if (!asked && active && active !== el && isTextTarget(active)) return
    el.focus()
    el.select()
  }, [plate.id, props.focusTick])

  const changed = text !== plate.text
  const shownCandidates = candidateChoices(plate.candidates)
  const crop = editorCrop(plate)

  return (
    <Box
      data-testid="plate-editor"
      sx={{ display: 'grid', gridTemplateColumns: 'minmax(160px, 2fr) minmax(300px, 3fr)', gap: 2.5, alignItems: 'start', height: EDITOR_HEIGHT, overflow: 'hidden' }}
    >
      <Box sx={{ minWidth: 0 }}>
        <Box sx={{ height: CROP_HEIGHT, width: '100%', bgcolor: 'black', borderRadius: 1, overflow: 'hidden' }}>
          <MediaImage mediaId={plate.mediaId} frameIdx={plate.frameIdx} crop={crop} maxSize={CROP_SIZE} alt={`plate ${plate.text}`} />
        </Box>
        <Stack direction="row" spacing={1} sx={{ mt: 1, alignItems: 'center', flexWrap: 'nowrap', overflow: 'hidden', height: 24 }}>
          <StateChip state={plate.reviewState} />
          <Typography variant="caption" color="text.secondary" noWrap>
            read <b style={{ fontFamily: MONO }}>{modelText || '—'}</b> at{' '}
            <span style={{ color: confidenceColor(plate.confidence, theme), fontWeight: 700 }}>{Math.round(plate.confidence * 100)}%</span>
            {plate.region ? ` · ${plate.region}` : ''}
            {plate.detectorScore != null ? ` · detector ${Math.round(plate.detectorScore * 100)}%` : ''}
          </Typography>
        </Stack>
        {plate.rule && <RuleNote rule={plate.rule} text={plate.modelText ?? plate.text} />}
      </Box>

      <Box sx={{ minWidth: 0 }}>
        <Stack direction="row" sx={{ alignItems: 'baseline', justifyContent: 'space-between', mb: 0.5 }}>
          <Typography variant="overline" color="text.secondary">
            Plate text
            {props.draft && (
              <Tooltip title="Not saved yet: kept while you move to other plates. Enter saves it, Esc discards it.">
                <Chip
                  label="draft"
                  size="small"
                  color="secondary"
                  data-testid="draft-marker"
                  sx={{ ml: 1, height: 18, fontSize: 11, verticalAlign: 'middle', textTransform: 'none' }}
                />
              </Tooltip>
            )}
          </Typography>
          <Typography variant="caption" color="text.secondary" data-testid="queue-position">
            {props.position}
          </Typography>
        </Stack>
        <Box
          sx={{
            display: 'block',
            px: 1.5,
            pt: 0.75,
            pb: 0.75,
            border: 2,
            borderRadius: 1,
            borderColor: changed ? 'secondary.main' : 'primary.main',
            bgcolor: theme.palette.mode === 'dark' ? '#0b0d11' : '#fff',
            boxSizing: 'border-box',
            width: '100%',
            maxWidth: 560
          }}
        >
          <InputBase
            inputRef={input}
            value={text}
            onChange={(e) => onText(normalizePlate(e.target.value))}
            placeholder="PLATE"
            inputProps={{ 'aria-label': 'plate text', 'data-testid': 'plate-input', 'data-review-keys': 'true', 'data-plate-id': plate.id, spellCheck: false, autoComplete: 'off' }}
            sx={{ fontFamily: MONO, fontSize: FONT, fontWeight: 700, letterSpacing: '0.3em', width: '100%', '& input': { p: 0, height: 'auto' } }}
          />
          <CharConfidence text={text} modelText={modelText} confidences={plate.charConfidences} fontSize={FONT} />
        </Box>
        <Typography variant="caption" color={changed ? 'secondary.main' : 'text.secondary'} component="div" noWrap sx={{ mt: 0.5, height: 18 }}>
          {changed ? (
            <>
              <Kbd>Enter</Kbd> saves the correction <b style={{ fontFamily: MONO }}>{plate.text}</b> → <b style={{ fontFamily: MONO }}>{text || '∅'}</b>
            </>
          ) : (
            <>
              <Kbd>Enter</Kbd> {plate.reviewState === 'unreviewed' || plate.reviewState === 'rejected' ? 'confirms' : 'keeps'} and moves on · type to correct
            </>
          )}
        </Typography>
        {/* a line of its own, always there: a warning for one plate moves nothing for the next */}
        <Box sx={{ height: 18, overflow: 'hidden', whiteSpace: 'nowrap', textOverflow: 'ellipsis' }}>
          <AlphabetWarning text={text} />
        </Box>

        <Box sx={{ mt: 0.75, height: CANDIDATES_HEIGHT }}>
          <Typography variant="overline" color="text.secondary" component="div" sx={{ lineHeight: '22px' }}>
            Candidates
          </Typography>
          {/* one row that scrolls sideways: the same height with 0 or 9 candidates */}
          <Stack direction="row" sx={{ flexWrap: 'nowrap', gap: 0.75, overflowX: 'auto', overflowY: 'hidden', height: 34 }} data-testid="candidates">
            {shownCandidates.length === 0 && (
              <Typography variant="caption" color="text.disabled" sx={{ alignSelf: 'center' }}>
                no other reading
              </Typography>
            )}
            {shownCandidates.map((c, i) => (
              <Chip
                key={`${c.plate}-${i}`}
                variant={c.plate === text ? 'filled' : 'outlined'}
                color={c.plate === text ? 'primary' : 'default'}
                onClick={() => {
                  onText(c.plate)
                  input.current?.focus()
                }}
                label={
                  <Box component="span" sx={{ display: 'inline-flex', gap: 0.75, alignItems: 'center' }}>
                    <Kbd>Alt+{i + 1}</Kbd>
                    <span style={{ fontFamily: MONO, fontWeight: 700 }}>{c.plate}</span>
                    <span style={{ color: c.plate === text ? 'inherit' : confidenceColor(c.confidence, theme), opacity: c.plate === text ? 0.85 : 1 }}>
                      {Math.round(c.confidence * 100)}%
                    </span>
                  </Box>
                }
                sx={{ height: 28, flexShrink: 0 }}
              />
            ))}
          </Stack>
        </Box>

        <EditorButtons
          canEdit={canEdit}
          changed={changed}
          onSubmit={props.onSubmit}
          onReject={props.onReject}
          onIllegible={props.onIllegible}
          onPrev={props.onPrev}
          onNext={props.onNext}
          onUndo={props.onUndo}
          onDraw={props.onDraw}
          onHistory={props.onHistory}
        />
      </Box>
    </Box>
  )
}

type Handler = () => void

/** the action buttons: memoised, they re-render only when the confirm label changes */
const EditorButtons = memo(function EditorButtons({
  canEdit,
  changed,
  onSubmit,
  onReject,
  onIllegible,
  onPrev,
  onNext,
  onUndo,
  onDraw,
  onHistory
}: {
  /** false for a team server's viewer: no edit actions (the server would refuse them) */
  canEdit: boolean
  changed: boolean
  onSubmit: Handler
  onReject: Handler
  onIllegible?: Handler
  onPrev: Handler
  onNext: Handler
  onUndo: Handler
  onDraw: Handler
  onHistory: Handler
}) {
  return (
    <Stack direction="row" spacing={1} sx={{ mt: 0.5, flexWrap: 'wrap', rowGap: 1 }}>
      {!canEdit && (
        <Typography variant="body2" color="text.secondary" sx={{ alignSelf: 'center', mr: 1 }} data-testid="review-read-only">
          Read only: your role cannot change plates
        </Typography>
      )}
      {canEdit && <>
      <Button variant="contained" startIcon={<CheckRounded />} onClick={onSubmit} data-testid="btn-confirm" sx={{ minWidth: 196 }}>
        {changed ? 'Save correction' : 'Confirm'}&nbsp;<Kbd>Enter</Kbd>
      </Button>
      <Tooltip title="Not a plate (false positive)">
        <Button variant="outlined" color="error" startIcon={<BlockRounded />} onClick={onReject} data-testid="btn-reject">
          Reject&nbsp;<Kbd>Del</Kbd>
        </Button>
      </Tooltip>
      {onIllegible && (
        <Tooltip title="A real plate whose text cannot be read: its box stays detection data, it never becomes OCR data">
          <Button variant="outlined" color="warning" startIcon={<VisibilityOffRounded />} onClick={onIllegible} data-testid="btn-illegible">
            Illegible&nbsp;<Kbd>Ctrl+I</Kbd>
          </Button>
        </Tooltip>
      )}
      </>}
      <Button variant="outlined" startIcon={<NavigateBeforeRounded />} onClick={onPrev}>
        <Kbd>PgUp</Kbd>
      </Button>
      <Button variant="outlined" endIcon={<NavigateNextRounded />} onClick={onNext}>
        <Kbd>PgDn</Kbd>
      </Button>
      {canEdit && (
        <Button variant="text" startIcon={<UndoRounded />} onClick={onUndo} data-testid="btn-undo">
          Undo&nbsp;<Kbd>Ctrl+Z</Kbd>
        </Button>
      )}
      {canEdit && (
        <Button variant="text" startIcon={<CropFreeRounded />} onClick={onDraw} data-testid="btn-draw">
          Draw missed plate&nbsp;<Kbd>Alt+B</Kbd>
        </Button>
      )}
      <Button variant="text" startIcon={<HistoryRounded />} onClick={onHistory}>
        History
      </Button>
    </Stack>
  )
})

/** What a country rule did to the model's read (README "Country rules"): changed it, or kept it flagged. */
function RuleNote({ rule, text }: { rule: NonNullable<PlateDetail['rule']>; text: string }) {
  const flat = (t: string) => t.replace(/\n/g, ' ')
  // plate texts in the plate font: the usual change is O ↔ 0, which the UI font draws alike
  const mono = (t: string) => <span style={{ fontFamily: MONO }}>{flat(t)}</span>
  const note = rule.changed ? (
    <>
      Rule {rule.country} changed {mono(rule.modelText)} → {mono(text)}
    </>
  ) : (
    <>
      {mono(rule.modelText)} breaks {rule.country}&apos;s plate syntax (kept: no fitting reading was probable enough)
    </>
  )
  const why = rule.changed
    ? `The model read ${flat(rule.modelText)}, which fits no ${rule.country} plate format; ${flat(text)} fits one and was nearly as probable. Settings → Country rules.`
    : `No ${rule.country} format fits this reading, and every fitting one was far less probable, so the model's reading stays. A personalised or foreign plate, or a misread.`
  return (
    <Tooltip title={why}>
      <Typography
        variant="caption"
        noWrap
        component="div"
        data-testid="rule-note"
        data-rule-changed={rule.changed ? 'true' : 'false'}
        sx={{
          mt: 0.5,
          height: 20,
          fontWeight: 600,
          // .main blue/amber on white is under 4.5:1 for 12 px text
          color: (t) => {
            const c = rule.changed ? t.palette.info : t.palette.warning
            return t.palette.mode === 'dark' ? c.light : c.dark
          }
        }}
      >
        {note}
      </Typography>
    </Tooltip>
  )
}
