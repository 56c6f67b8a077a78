import { useEffect, useRef, useState } from 'react'
import { Badge, Box, Collapse, FormControlLabel, IconButton, InputAdornment, MenuItem, Stack, Switch, TextField, Tooltip } from '@mui/material'
import SearchRounded from '@mui/icons-material/SearchRounded'
import TuneRounded from '@mui/icons-material/TuneRounded'
import type { PlateFilter, PlateSort } from '@shared/types'

export type StateFilter = NonNullable<PlateFilter['state']>
const STATES: { value: StateFilter; label: string }[] = [
  { value: 'unreviewed', label: 'To review' },
  { value: 'reviewed', label: 'Reviewed' },
  { value: 'confirmed', label: 'Confirmed' },
  { value: 'corrected', label: 'Corrected' },
  { value: 'manual', label: 'Drawn by hand' },
  { value: 'illegible', label: 'Illegible' },
  { value: 'rejected', label: 'Rejected' },
  { value: 'all', label: 'All' }
]
const SORTS: { value: PlateSort; label: string }[] = [
  { value: 'confidence', label: 'Least certain first' },
  { value: 'recent', label: 'Recently changed' },
  { value: 'media', label: 'By file' }
]

export function Filters(props: {
  filter: PlateFilter
  sort: PlateSort
  lowConfidence: number
  /** double review is on: offer the adjudication queue (plates two reviewers disagreed on) */
  doubleReview?: boolean
  onChange: (f: PlateFilter, s: PlateSort) => void
}) {
  const { filter, sort, onChange } = props
  const [open, setOpen] = useState(false)
  const [text, setText] = useState(filter.text ?? '')
  // debounce the search box; it applies to the filter as it is then (a state picked meanwhile stays)
  const latest = useRef({ filter, sort })
  latest.current = { filter, sort }
  useEffect(() => {
    const t = setTimeout(() => {
      const { filter: f, sort: s } = latest.current
      if ((f.text ?? '') !== text) onChange({ ...f, text: text || undefined }, s)
    }, 250)
    return () => clearTimeout(t)
  }, [text]) // eslint-disable-line react-hooks/exhaustive-deps

  const set = (patch: Partial<PlateFilter>): void => {
    const next: PlateFilter = { ...filter, ...patch }
    for (const k of Object.keys(next) as (keyof PlateFilter)[]) if (next[k] === '' || next[k] === undefined) delete next[k]
    onChange(next, sort)
  }
  const extra = ['maxConfidence', 'region', 'folder', 'dateFrom', 'dateTo', 'mediaId'].filter((k) => filter[k as keyof PlateFilter] !== undefined).length

  return (
    <Box sx={{ p: 1.25, borderBottom: 1, borderColor: 'divider' }}>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
        <TextField
          fullWidth
          placeholder="Search plates  (B21, B*12?, 1?1)"
          title="Finds the text anywhere in the plate, any case. * = any characters, ? = one character; every other character, _ and % too, is itself."
          value={text}
          onChange={(e) => setText(e.target.value)}
          slotProps={{
            htmlInput: { 'data-testid': 'filter-text', 'aria-label': 'search plates' },
            input: {
              startAdornment: (
                <InputAdornment position="start">
                  <SearchRounded fontSize="small" />
                </InputAdornment>
              )
            }
          }}
        />
        <Tooltip title="More filters">
          <IconButton onClick={() => setOpen((o) => !o)} color={open ? 'primary' : 'default'} aria-label="more filters" data-testid="filter-more">
            <Badge badgeContent={extra} color="primary">
              <TuneRounded fontSize="small" />
            </Badge>
          </IconButton>
        </Tooltip>
      </Stack>
      <Stack direction="row" spacing={1} sx={{ mt: 1 }}>
        <TextField
          select
          fullWidth
          label="Show"
          value={filter.state ?? 'unreviewed'}
          onChange={(e) => set({ state: e.target.value as StateFilter })}
          slotProps={{ htmlInput: { 'data-testid': 'filter-state' } }}
        >
          {STATES.map((s) => (
            <MenuItem key={s.value} value={s.value}>
              {s.label}
            </MenuItem>
          ))}
        </TextField>
        <TextField select fullWidth label="Order" value={sort} onChange={(e) => onChange(filter, e.target.value as PlateSort)}>
          {SORTS.map((s) => (
            <MenuItem key={s.value} value={s.value}>
              {s.label}
            </MenuItem>
          ))}
        </TextField>
      </Stack>
      <Collapse in={open}>
        <Stack spacing={1} sx={{ mt: 1 }}>
          <FormControlLabel
            control={
              <Switch
                size="small"
                checked={filter.maxConfidence !== undefined}
                onChange={(e) => set({ maxConfidence: e.target.checked ? props.lowConfidence : undefined })}
              />
            }
            label={`Low confidence only (< ${Math.round(props.lowConfidence * 100)}%)`}
          />
          <Stack direction="row" spacing={1}>
            <TextField label="Region" fullWidth value={filter.region ?? ''} onChange={(e) => set({ region: e.target.value })} helperText="any case" slotProps={{ htmlInput: { 'data-testid': 'filter-region' } }} />
            <TextField label="Source folder" fullWidth value={filter.folder ?? ''} onChange={(e) => set({ folder: e.target.value })} helperText="any part of the path" slotProps={{ htmlInput: { 'data-testid': 'filter-folder' } }} />
          </Stack>
          <Stack direction="row" spacing={1}>
            <TextField
              label="From"
              type="date"
              fullWidth
              value={filter.dateFrom ?? ''}
              onChange={(e) => set({ dateFrom: e.target.value })}
              slotProps={{ inputLabel: { shrink: true } }}
            />
            <TextField
              label="To"
              type="date"
              fullWidth
              value={filter.dateTo ?? ''}
              onChange={(e) => set({ dateTo: e.target.value })}
              slotProps={{ inputLabel: { shrink: true } }}
            />
          </Stack>
          {(props.doubleReview || filter.disputed) && (
            <FormControlLabel
              control={<Switch size="small" checked={!!filter.disputed} onChange={(e) => set({ disputed: e.target.checked || undefined })} data-testid="filter-disputed" />}
              label="Disputed only (two reviewers disagreed: an admin decides)"
            />
          )}
          {filter.mediaId !== undefined && (
            <FormControlLabel control={<Switch size="small" checked onChange={() => set({ mediaId: undefined })} />} label={`Only media #${filter.mediaId}`} />
          )}
        </Stack>
      </Collapse>
    </Box>
  )
}
