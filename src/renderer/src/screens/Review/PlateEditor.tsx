// The current plate: zoomed crop, the text input (focused, per-character confidence under it), the
// candidates one keystroke away, and the review actions with their keys.
import { useEffect, useRef } from 'react'
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
import { confidenceColor, MONO } from '../../theme'
import { CharConfidence } from './CharConfidence'
import { paddedCrop } from './crop'
import { candidateChoices, normalizePlate } from './normalize'

const FONT = 30


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
  busy: boolean
  /** bumps when the plate input should take the focus again (a click in the queue) */
  focusTick?: number
}) {
  const { plate, text, onText } = props
  const theme = useTheme()
  const input = useRef<HTMLInputElement>(null)
  const modelText = plate.modelText ?? plate.text

  // a new plate: focus the text, all selected, so typing replaces it and arrows edit it
  useEffect(() => {
    const el = input.current
    if (!el) return
    el.focus()
    el.select()
  }, [plate.id, plate.updatedAt, props.focusTick])

  const changed = text !== plate.text
  const shownCandidates = candidateChoices(plate.candidates)
  const frameW = plate.frameWidth
  const frameH = plate.frameHeight
  const crop = paddedCrop(plate.box, 0.15, 0.35)
  const clamped = { x1: crop.x1, y1: crop.y1, x2: Math.min(frameW, crop.x2), y2: Math.min(frameH, crop.y2) }

  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: 'minmax(160px, 2fr) minmax(300px, 3fr)', gap: 2.5, alignItems: 'start' }}>
      <Box>
        <Box sx={{ aspectRatio: `${clamped.x2 - clamped.x1} / ${clamped.y2 - clamped.y1}`, maxHeight: 170, width: '100%', bgcolor: 'black', borderRadius: 1, overflow: 'hidden' }}>
          <MediaImage mediaId={plate.mediaId} frameIdx={plate.frameIdx} crop={clamped} maxSize={640} alt={`plate ${plate.text}`} />
        </Box>
        <Stack direction="row" spacing={1} sx={{ mt: 1, alignItems: 'center', flexWrap: 'wrap' }}>
          <StateChip state={plate.reviewState} />
          <Typography variant="caption" color="text.secondary">
            read <b style={{ fontFamily: MONO }}>{modelText || '—'}</b> at{' '}
            <span style={{ color: confidenceColor(plate.confidence, theme), fontWeight: 700 }}>{Math.round(plate.confidence * 100)}%</span>
            {plate.region ? ` · ${plate.region}` : ''}
            {plate.detectorScore != null ? ` · detector ${Math.round(plate.detectorScore * 100)}%` : ''}
          </Typography>
        </Stack>
      </Box>

      <Box sx={{ minWidth: 0 }}>
        <Stack direction="row" sx={{ alignItems: 'baseline', justifyContent: 'space-between', mb: 0.5 }}>
          <Typography variant="overline" color="text.secondary">
            Plate text
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
        <Typography variant="caption" color={changed ? 'secondary.main' : 'text.secondary'} component="div" sx={{ mt: 0.5, minHeight: 18 }}>
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
        <AlphabetWarning text={text} />

        {shownCandidates.length > 0 && (
          <Box sx={{ mt: 1.25 }}>
            <Typography variant="overline" color="text.secondary">
              Candidates
            </Typography>
            <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 0.75 }} data-testid="candidates">
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
                  sx={{ height: 28 }}
                />
              ))}
            </Stack>
          </Box>
        )}

        <Stack direction="row" spacing={1} sx={{ mt: 1.75, flexWrap: 'wrap', rowGap: 1 }}>
          <Button variant="contained" startIcon={<CheckRounded />} onClick={props.onSubmit} disabled={props.busy} data-testid="btn-confirm">
            {changed ? 'Save correction' : 'Confirm'}&nbsp;<Kbd>Enter</Kbd>
          </Button>
          <Tooltip title="Not a plate (false positive)">
            <Button variant="outlined" color="error" startIcon={<BlockRounded />} onClick={props.onReject} disabled={props.busy} data-testid="btn-reject">
              Reject&nbsp;<Kbd>Del</Kbd>
            </Button>
          </Tooltip>
          {props.onIllegible && (
            <Tooltip title="A real plate whose text cannot be read: its box stays detection data, it never becomes OCR data">
              <Button variant="outlined" color="warning" startIcon={<VisibilityOffRounded />} onClick={props.onIllegible} disabled={props.busy} data-testid="btn-illegible">
                Illegible&nbsp;<Kbd>Ctrl+I</Kbd>
              </Button>
            </Tooltip>
          )}
          <Button variant="outlined" startIcon={<NavigateBeforeRounded />} onClick={props.onPrev}>
            <Kbd>PgUp</Kbd>
          </Button>
          <Button variant="outlined" endIcon={<NavigateNextRounded />} onClick={props.onNext}>
            <Kbd>PgDn</Kbd>
          </Button>
          <Button variant="text" startIcon={<UndoRounded />} onClick={props.onUndo} data-testid="btn-undo">
            Undo&nbsp;<Kbd>Ctrl+Z</Kbd>
          </Button>
          <Button variant="text" startIcon={<CropFreeRounded />} onClick={props.onDraw} data-testid="btn-draw">
            Draw missed plate&nbsp;<Kbd>Alt+B</Kbd>
          </Button>
          <Button variant="text" startIcon={<HistoryRounded />} onClick={props.onHistory}>
            History
          </Button>
        </Stack>
      </Box>
    </Box>
  )
}
