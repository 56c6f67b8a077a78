// The selected track under the player, reviewed like a plate in Review: its best crop, the text field
// (typing corrects, Enter confirms or saves and moves to the next track), its state and the decisions.
import { memo, useLayoutEffect, useRef } from 'react'
import { Box, Button, InputBase, Skeleton, Stack, Tooltip, Typography, useTheme } from '@mui/material'
import CheckRounded from '@mui/icons-material/CheckRounded'
import BlockRounded from '@mui/icons-material/BlockRounded'
import FactCheckOutlined from '@mui/icons-material/FactCheckOutlined'
import type { PlateDetail, TrackFrame, TrackSummary } from '@shared/types'
import { Kbd } from '../../components/Kbd'
import { MediaImage } from '../../components/MediaImage'
import { StateChip } from '../../components/StateChip'
import { isTextTarget } from '../../hooks/useShortcut'
import { confidenceColor, MONO } from '../../theme'
import { CharConfidence } from '../Review/CharConfidence'
import { normalizePlate } from '../Review/normalize'
import { paddedCrop } from '../Review/crop'
import { trackColor } from './playback'

const FONT = 24

export const TrackEditor = memo(function TrackEditor(props: {
  track: TrackSummary
  frames: TrackFrame[] | undefined
  plate: PlateDetail | undefined
  text: string
  /** the track's text as stored, as the field edits it (two rows as TOP/BOTTOM) */
  stored: string
  onText: (t: string) => void
  onSubmit: () => void
  onReject: () => void
  onReview: () => void
  /** bumps when the text field should take the focus (a track picked with the mouse) */
  focusTick: number
  /** the last tick acted on, kept by the screen: the editor mounts anew when the first track is picked */
  focusHandled: { current: number }
}) {
  const { track, plate, text } = props
  const theme = useTheme()
  const input = useRef<HTMLInputElement>(null)
  const best = props.frames?.find((f) => f.frameIdx === track.bestFrame)
  const changed = text !== props.stored

  // a picked track: the text field takes the focus, all selected, so typing replaces it (as in Review);
  // never away from another text field the person is typing in
  // the next track after Enter, with the field still focused: its text all selected as well
  const { focusHandled } = props
  useLayoutEffect(() => {
    const el = input.current
    if (!el) return
    const asked = focusHandled.current !== props.focusTick
    focusHandled.current = props.focusTick
    const active = document.activeElement
    if (active === el) return el.select()
    if (!asked || (active && isTextTarget(active))) return
    el.focus()
    el.select()
  }, [props.focusTick, track.id, focusHandled])

  return (
    <Box
      data-testid="track-editor"
      data-track-id={track.id}
      sx={{
        display: 'grid',
        gridTemplateColumns: '168px minmax(220px, 1fr) auto',
        gap: 2,
        alignItems: 'center',
        borderLeft: 4,
        borderLeftColor: trackColor(track.id),
        pl: 1.5
      }}
    >
      <Box sx={{ height: 64, bgcolor: 'black', borderRadius: 1, overflow: 'hidden' }}>
        {best ? (
          // the list's request (same crop and size): shown from its cache at once
          <MediaImage mediaId={track.mediaId} frameIdx={track.bestFrame} crop={paddedCrop(best.box, 0.6, 1.6)} maxSize={200} alt={`track ${track.text}`} sx={{ bgcolor: 'grey.800' }} />
        ) : (
          <Skeleton variant="rectangular" sx={{ width: '100%', height: '100%', bgcolor: 'grey.800' }} />
        )}
      </Box>
      <Box sx={{ minWidth: 0 }}>
        <Box
          sx={{
            px: 1.25,
            py: 0.5,
            border: 2,
            borderRadius: 1,
            borderColor: changed ? 'secondary.main' : 'primary.main',
            bgcolor: theme.palette.mode === 'dark' ? '#0b0d11' : '#fff',
            maxWidth: 420
          }}
        >
          <InputBase
            inputRef={input}
            value={text}
            onChange={(e) => props.onText(normalizePlate(e.target.value))}
            placeholder="PLATE"
            inputProps={{ 'aria-label': 'track text', 'data-testid': 'track-input', 'data-track-keys': 'true', spellCheck: false, autoComplete: 'off' }}
            sx={{ fontFamily: MONO, fontSize: FONT, fontWeight: 700, letterSpacing: '0.25em', width: '100%', '& input': { p: 0, height: 'auto' } }}
          />
          {plate && <CharConfidence text={text} modelText={plate.modelText ?? plate.text} confidences={plate.charConfidences} fontSize={FONT} />}
        </Box>
        <Stack direction="row" spacing={1} sx={{ mt: 0.5, alignItems: 'center', minWidth: 0 }}>
          {plate && <StateChip state={plate.reviewState} />}
          <Typography variant="caption" color={changed ? 'secondary.main' : 'text.secondary'} noWrap>
            {changed ? (
              <>
                <Kbd>Enter</Kbd> saves <b style={{ fontFamily: MONO }}>{text || '∅'}</b> for all {track.detections} frames · <Kbd>Esc</Kbd> discards
              </>
            ) : (
              <>
                voted from {track.detections} frame{track.detections === 1 ? '' : 's'} at{' '}
                <span style={{ color: confidenceColor(track.confidence, theme), fontWeight: 700 }}>{Math.round(track.confidence * 100)}%</span> · type to correct
              </>
            )}
          </Typography>
        </Stack>
      </Box>
      <Stack direction="row" spacing={1}>
        <Button variant="contained" startIcon={<CheckRounded />} onClick={props.onSubmit} onMouseDown={(e) => e.preventDefault()} data-testid="track-confirm">
          {changed ? 'Save' : 'Confirm'}&nbsp;<Kbd>Enter</Kbd>
        </Button>
        <Tooltip title="Not a plate (false positive)">
          <span>
            <Button variant="outlined" color="error" startIcon={<BlockRounded />} onClick={props.onReject} onMouseDown={(e) => e.preventDefault()} disabled={!plate} data-testid="track-reject">
              Reject&nbsp;<Kbd>Del</Kbd>
            </Button>
          </span>
        </Tooltip>
        <Tooltip title="This track's plate in the Review screen">
          <span>
            <Button variant="text" startIcon={<FactCheckOutlined />} onClick={props.onReview} disabled={!track.plateId}>
              Review
            </Button>
          </span>
        </Tooltip>
      </Stack>
    </Box>
  )
})
