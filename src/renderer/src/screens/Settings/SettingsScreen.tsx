// Settings: models (present, verified; add and remove your own), recognition thresholds, execution
// provider, video sampling, theme.
import { useEffect, useState } from 'react'
import { Alert, Box, Button, Card, CardContent, Chip, MenuItem, Slider, Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField, ToggleButton, ToggleButtonGroup, Typography } from '@mui/material'
import { RECOGNITION_PROFILES, profileById, profileOfRecognizer } from '@shared/profiles'
import type { ExecutionProvider, MediaToolsInfo, Settings } from '@shared/types'
import { useApp } from '../../context'
import { useApi } from '../../hooks/useApi'
import { FileRow } from '../../components/ModelsSetup'
import { formatMB, neededModels, startModelsDownload, useModelsDownload } from '../../hooks/useModelsDownload'
import { displayPath } from '@shared/display'
import { CountryRules } from './CountryRules'
import { api } from '../../api/client'
import { useNotify } from '../../components/Notify'
import { AddModelDialog } from './AddModelDialog'
import { useCan } from '../../auth'
import { UsersCard } from './UsersCard'
import { TeamReview } from './TeamReview'

const PROVIDERS: { value: ExecutionProvider; label: string }[] = [
  { value: 'cpu', label: 'CPU' },
  { value: 'cuda', label: 'NVIDIA CUDA' },
  { value: 'dml', label: 'DirectML (Windows)' },
  { value: 'coreml', label: 'Core ML (macOS)' }
]

export function SettingsScreen() {
  const { settings, saveSettings, info } = useApp()
  const can = useCan()
  const readOnly = !can('settings.set')
  const models = useApi('models.status', {})
  const dl = useModelsDownload()
  const { reload: reloadModels } = models
  const notify = useNotify()
  const [adding, setAdding] = useState(false)
  const remove = async (id: string): Promise<void> => {
    try {
      await api.call('models.remove', { id })
      notify(`Removed ${id}`, 'success')
    } catch (e) {
      notify(`Not removed: ${e instanceof Error ? e.message : String(e)}`, 'error')
    }
    reloadModels()
  }
  useEffect(() => {
    if (dl.finished) reloadModels()
  }, [dl.finished, reloadModels])
  const neededBad = neededModels(models.data ?? [], [settings?.detectorId, settings?.recognizerId]).filter((m) => m.state !== 'ok')
  const set = (patch: Partial<Settings>): void => void saveSettings(patch)
  const detectors = models.data?.filter((m) => m.task === 'detector') ?? []
  const recognizers = models.data?.filter((m) => m.task === 'recognizer') ?? []
  // settings may name a model by id or by file name: show it as the manifest entry it resolves to
  const modelValue = (value: string, list: typeof detectors): string =>
    list.find((m) => m.id === value || m.file === value || m.file.replace(/\.onnx$/i, '') === value)?.id ?? value

  return (
    <Box sx={{ height: '100%', overflow: 'auto', p: 2 }}>
      {/* below admin on a team server: the cards show the settings but take no input (the server refuses it) */}
      <Stack spacing={2} sx={{ maxWidth: 980, mx: 'auto', ...(readOnly ? { '& > .MuiCard-root:not([data-testid="settings-users"])': { pointerEvents: 'none', opacity: 0.7 } } : {}) }}>
        {readOnly && (
          <Alert severity="info" data-testid="settings-read-only">
            Only an admin changes settings, models and accounts; you see them as they are.
          </Alert>
        )}
        {can('users.list') && <UsersCard />}
        <Card>
          <CardContent>
            <Stack direction="row" sx={{ alignItems: 'center', mb: 1, gap: 2 }}>
              <Typography variant="h6" sx={{ flex: 1 }}>
                Models
              </Typography>
              <Button size="small" variant="outlined" onClick={() => setAdding(true)} data-testid="settings-models-add">
                Add model…
              </Button>
              {neededBad.length > 0 && (
                <Button variant="contained" size="small" disabled={dl.running} onClick={() => void startModelsDownload()} data-testid="settings-models-download">
                  {dl.running ? 'Downloading…' : `Download missing models (${formatMB(neededBad.reduce((s, m) => s + (m.size ?? 0), 0))})`}
                </Button>
              )}
            </Stack>
            {models.error && <Typography color="error">{models.error.message}</Typography>}
            {dl.error && <Typography color="error">{dl.error}</Typography>}
            <Table size="small" data-testid="models-table">
              <TableHead>
                <TableRow>
                  <TableCell>Model</TableCell>
                  <TableCell>Task</TableCell>
                  <TableCell>State</TableCell>
                  <TableCell>Where</TableCell>
                  <TableCell />
                </TableRow>
              </TableHead>
              <TableBody>
                {models.data?.map((m) => {
                  const f = dl.files.find((x) => x.modelId === m.id)
                  return (
                    <TableRow key={m.id} data-testid={`models-row-${m.id}`}>
                      <TableCell sx={{ fontWeight: 600 }}>
                        {m.id}
                        {m.user && <Chip label="yours" size="small" sx={{ ml: 1 }} />}
                      </TableCell>
                      <TableCell>{m.task}</TableCell>
                      <TableCell>
                        <Chip label={m.state} color={m.state === 'ok' ? 'success' : 'error'} variant={m.state === 'ok' ? 'outlined' : 'filled'} />
                      </TableCell>
                      <TableCell sx={{ fontSize: 12, color: 'text.secondary', wordBreak: 'break-all' }}>
                        {f && (dl.running || f.state === 'error') ? <FileRow f={f} /> : m.state === 'ok' ? displayPath(m.path ?? '') : m.message}
                      </TableCell>
                      <TableCell sx={{ whiteSpace: 'nowrap' }}>
                        {m.user && (
                          <Button size="small" color="error" onClick={() => void remove(m.id)} data-testid={`models-remove-${m.id}`}>
                            Remove
                          </Button>
                        )}
                        {m.state !== 'ok' && !m.user && (
                          <Button size="small" disabled={dl.running} onClick={() => void startModelsDownload([m.id])}>
                            Download{m.size ? ` (${formatMB(m.size)})` : ''}
                          </Button>
                        )}
                      </TableCell>
                    </TableRow>
                  )
                })}
              </TableBody>
            </Table>
            {info?.engine && (
              <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 1 }}>
                Engine: {info.engine.ready ? `running (${info.engine.workers} workers, ${info.engine.provider})` : 'starts on the first import'}
                {info.engine.error ? ` · ${info.engine.error}` : ''}
              </Typography>
            )}
            {info?.ffmpeg && <MediaTools tools={info.ffmpeg} />}
            <AddModelDialog
              open={adding}
              onClose={() => setAdding(false)}
              onAdded={(m) => {
                setAdding(false)
                notify(`Added ${m.id} (${m.task}): select it below`, 'success')
                reloadModels()
              }}
            />
          </CardContent>
        </Card>

        {settings && (
          <Card>
            <CardContent>
              <Typography variant="h6" sx={{ mb: 2 }}>
                Recognition
              </Typography>
              <Stack spacing={2.5}>
                <TextField
                  select
                  label="Recognition profile"
                  value={profileOfRecognizer(settings.recognizerId)?.id ?? 'custom'}
                  onChange={(e) => {
                    const p = profileById(e.target.value)
                    if (p) set({ recognizerId: p.recognizerId })
                  }}
                  helperText="Which plates new imports read (an import can choose its own); the recognizer below is what it selects"
                  slotProps={{ htmlInput: { 'data-testid': 'settings-profile' } }}
                >
                  {RECOGNITION_PROFILES.map((p) => (
                    <MenuItem key={p.id} value={p.id}>
                      {p.name} — {p.description}
                    </MenuItem>
                  ))}
                  {!profileOfRecognizer(settings.recognizerId) && <MenuItem value="custom">Custom ({settings.recognizerId})</MenuItem>}
                </TextField>
                <Stack direction="row" spacing={2}>
                  <TextField select fullWidth label="Detector" value={modelValue(settings.detectorId, detectors)} onChange={(e) => set({ detectorId: e.target.value })}>
                    {(detectors.length ? detectors.map((d) => d.id) : [modelValue(settings.detectorId, detectors)]).map((id) => (
                      <MenuItem key={id} value={id}>
                        {id}
                      </MenuItem>
                    ))}
                  </TextField>
                  <TextField select fullWidth label="Recognizer (OCR)" value={modelValue(settings.recognizerId, recognizers)} onChange={(e) => set({ recognizerId: e.target.value })}>
                    {recognizerChoices(recognizers.map((d) => d.id), modelValue(settings.recognizerId, recognizers)).map(({ value, label }) => (
                      <MenuItem key={value} value={value}>
                        {label}
                      </MenuItem>
                    ))}
                  </TextField>
                  <TextField select fullWidth label="Run on" value={settings.provider} onChange={(e) => set({ provider: e.target.value as ExecutionProvider })}>
                    {PROVIDERS.map((p) => (
                      <MenuItem key={p.value} value={p.value}>
                        {p.label}
                      </MenuItem>
                    ))}
                  </TextField>
                </Stack>
                <SliderRow label="Detection threshold" help="Boxes the detector is less sure of are dropped (applies to new imports)" value={settings.detectionThreshold} min={0.05} max={0.95} onCommit={(v) => set({ detectionThreshold: v })} />
                <SliderRow label="Low confidence" help="Reads below this are flagged for review" value={settings.lowConfidence} min={0.1} max={0.99} onCommit={(v) => set({ lowConfidence: v })} />
                <Stack direction="row" spacing={2} sx={{ alignItems: 'center' }}>
                  <TextField
                    label="Video sampling (frames per second, 0 = every frame)"
                    type="number"
                    defaultValue={settings.videoFps}
                    onBlur={(e) => {
                      const v = Number(e.target.value)
                      if (Number.isFinite(v) && v >= 0 && v <= 120 && v !== settings.videoFps) set({ videoFps: v })
                    }}
                    sx={{ width: 360 }}
                  />
                </Stack>
              </Stack>
            </CardContent>
          </Card>
        )}

        {settings && <CountryRules settings={settings} set={set} />}

        {settings && <TeamReview settings={settings} set={set} />}

        {settings && (
          <Card>
            <CardContent>
              <Typography variant="h6" sx={{ mb: 1.5 }}>
                Appearance
              </Typography>
              <ToggleButtonGroup exclusive size="small" sx={{ '& .MuiToggleButton-root': { textTransform: 'none', px: 2 } }} value={settings.theme} onChange={(_e, v) => v && set({ theme: v })} aria-label="theme">
                <ToggleButton value="light" data-testid="theme-light">
                  Light
                </ToggleButton>
                <ToggleButton value="dark" data-testid="theme-dark">
                  Dark
                </ToggleButton>
                <ToggleButton value="system">System</ToggleButton>
              </ToggleButtonGroup>
            </CardContent>
          </Card>
        )}
      </Stack>
    </Box>
  )
}

function SliderRow({ label, help, value, min, max, onCommit }: { label: string; help: string; value: number; min: number; max: number; onCommit: (v: number) => void }) {
  return (
    <Box>
      <Stack direction="row" sx={{ justifyContent: 'space-between' }}>
        <Typography variant="body2" sx={{ fontWeight: 600 }}>
          {label}
        </Typography>
        <Typography variant="body2" color="text.secondary">
          {Math.round(value * 100)}%
        </Typography>
      </Stack>
      <Slider key={value} defaultValue={value} min={min} max={max} step={0.01} onChangeCommitted={(_e, v) => onCommit(v as number)} valueLabelDisplay="auto" valueLabelFormat={(v) => `${Math.round(v * 100)}%`} />
      <Typography variant="caption" color="text.secondary">
        {help}
      </Typography>
    </Box>
  )
}

/** The default pair (v2 read, v1 averaged in where v2 is unsure) comes first; then each model alone. */
const BACKED_UP = 'cct-xs-v2-global+cct-xs-v1-global'
function recognizerChoices(ids: string[], current: string): { value: string; label: string }[] {
  const out: { value: string; label: string }[] = []
  const [main, backup] = BACKED_UP.split('+')
  if (ids.includes(main) && ids.includes(backup)) out.push({ value: BACKED_UP, label: `${main} + ${backup} backup (recommended)` })
  for (const id of ids) out.push({ value: id, label: id })
  if (!out.some((o) => o.value === current)) out.push({ value: current, label: current })
  return out
}

/** Which ffmpeg/ffprobe read the videos, with a warning when a build is older than FFmpeg 6. */
function MediaTools({ tools }: { tools: MediaToolsInfo }) {
  const list = [tools.ffmpeg, tools.ffprobe].filter((t) => t != null)
  return (
    <Box sx={{ mt: 1 }} data-testid="media-tools">
      {list.map((t) => (
        <Typography key={t.tool} variant="caption" component="div" color={t.outdated ? 'warning.main' : 'text.secondary'} title={t.path} data-testid={`media-tool-${t.tool}`}>
          {t.tool} {t.version} ({t.source}){t.outdated ? ` · outdated: ${t.warning}` : ''}
        </Typography>
      ))}
      {tools.error && (
        <Typography variant="caption" component="div" color="error">
          {tools.error}
        </Typography>
      )}
    </Box>
  )
}
