// Export the reviewed plates as training data (YOLO, COCO, VOC, OCR crops, CSV/JSON), with progress, and
// evaluate the models against the reviewed labels.
import { useState } from 'react'
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Checkbox,
  FormControlLabel,
  LinearProgress,
  Link,
  MenuItem,
  Slider,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableRow,
  TextField,
  Typography
} from '@mui/material'
import IosShareOutlined from '@mui/icons-material/IosShareOutlined'
import AssessmentOutlined from '@mui/icons-material/AssessmentOutlined'
import type { EvalReport, ExportFormat, ExportProgress } from '@shared/types'
import { api, ApiError } from '../../api/client'
import { useCall } from '../../hooks/useApi'
import { useEvent } from '../../hooks/useEvent'
import { displayPath } from '@shared/display'
import { leftOutText } from '@shared/export-summary'
import { ImproveModelCard } from './ImproveModelCard'
import { Kbd } from '../../components/Kbd'
import { navigate } from '../../nav'
import { useCan } from '../../auth'

const FORMATS: { value: ExportFormat; label: string; hint: string }[] = [
  { value: 'yolo', label: 'YOLO (detector)', hint: 'images/ + labels/ with a train/val/test split and data.yaml' },
  { value: 'coco', label: 'COCO (detector)', hint: 'one annotations JSON per split' },
  { value: 'voc', label: 'Pascal VOC (detector)', hint: 'one XML per image' },
  { value: 'ocr', label: 'OCR crops (fast-plate-ocr)', hint: 'plate crops + a CSV of their text' },
  { value: 'paddleocr', label: 'OCR crops (PaddleOCR)', hint: 'crops + a tab-separated label list' },
  { value: 'csv', label: 'CSV report', hint: 'one row per plate' },
  { value: 'json', label: 'JSON report', hint: 'every plate with its box, text and history state' }
]

/** a full path on any OS the backend may run on (the backend refuses relative ones too) */
function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || p.startsWith('\\\\') || /^[A-Za-z]:[\\/]/.test(p)
}

export function ExportScreen() {
  const call = useCall()
  const can = useCan()
  const [format, setFormat] = useState<ExportFormat>('yolo')
  const [outDir, setOutDir] = useState('')
  const [unreviewed, setUnreviewed] = useState(false)
  const [threshold, setThreshold] = useState(0.95)
  const [videoFrames, setVideoFrames] = useState<'best' | 'every'>('best')
  const [everyNth, setEveryNth] = useState(5)
  const [cropW, setCropW] = useState(128)
  const [cropH, setCropH] = useState(64)
  const [split, setSplit] = useState<[number, number, number]>([0.8, 0.1, 0.1])
  const [yoloLabels, setYoloLabels] = useState<'box' | 'pose' | 'obb'>('box')
  const [overwrite, setOverwrite] = useState(false)
  const [progress, setProgress] = useState<ExportProgress | null>(null)
  const [report, setReport] = useState<EvalReport | null>(null)
  const [evaluating, setEvaluating] = useState(false)
  useEvent('export.progress', (p) => setProgress((cur) => (!cur || cur.jobId === p.jobId ? p : cur)))

  const ocr = format === 'ocr' || format === 'paddleocr'
  const [outError, setOutError] = useState<string | null>(null)
  const [runError, setRunError] = useState<string | null>(null)
  const run = async (): Promise<void> => {
    // a new attempt: the last one's "Done" line no longer describes what is on screen
    setProgress(null)
    const dir = outDir.trim()
    if (!isAbsolutePath(dir)) {
      setOutError(`"${dir}" is a relative path: give the full path of a folder (e.g. /home/me/dataset)`)
      return
    }
    setOutError(null)
    setRunError(null)
    try {
      const r = await api.call('export.run', {
        format,
        outDir: outDir.trim(),
        ...(unreviewed ? { includeUnreviewedAbove: threshold } : {}),
        videoFrames: videoFrames === 'best' ? 'best' : { everyNth },
        ...(ocr ? { cropWidth: cropW, cropHeight: cropH } : {}),
        ...(format === 'yolo' ? { split, yoloLabels } : {}),
        overwrite
      })
      setProgress({ jobId: r.jobId, done: 0, total: 0, state: 'running', outDir: outDir.trim(), error: null })
      // the event stream carries the rest; fetch once in case it already finished
      const s = await api.call('export.status', { jobId: r.jobId })
      setProgress((cur) => (cur && cur.jobId === s.jobId && cur.state !== 'running' ? cur : s))
    } catch (err) {
      // refused (a non-empty folder, a file in the way…): said here, where the export was asked for
      setRunError(ApiError.from(err).message)
    }
  }

  return (
    <Box sx={{ height: '100%', overflow: 'auto', p: 2 }}>
      <Stack spacing={2} sx={{ maxWidth: 980, mx: 'auto' }}>
        {!can('export.run') && (
          <Alert severity="info" data-testid="export-read-only">
            Only an admin exports training data or improves the model on a team server.
          </Alert>
        )}
        <Card sx={can('export.run') ? undefined : { pointerEvents: 'none', opacity: 0.6 }}>
          <CardContent>
            <Typography variant="h6">Export training data</Typography>
            <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
              Reviewed plates (confirmed, corrected, drawn by hand, illegible) are exported. Detector formats take an image only when every plate on it is
              decided, so no real plate is ever taught as background; OCR crops never include illegible plates.
            </Typography>
            <Stack spacing={2}>
              <Stack direction="row" spacing={1.5}>
                <TextField select label="Format" value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)} sx={{ minWidth: 260 }} helperText={FORMATS.find((f) => f.value === format)?.hint} slotProps={{ htmlInput: { 'data-testid': 'export-format' } }}>
                  {FORMATS.map((f) => (
                    <MenuItem key={f.value} value={f.value}>
                      {f.label}
                    </MenuItem>
                  ))}
                </TextField>
                <TextField
                  label="Output folder"
                  fullWidth
                  value={outDir}
                  onChange={(e) => {
                    setOutDir(e.target.value)
                    setOutError(null)
                  }}
                  placeholder="/path/to/dataset"
                  error={!!outError}
                  helperText={outError ?? undefined}
                  slotProps={{ htmlInput: { 'data-testid': 'export-out' }, formHelperText: { 'data-testid': 'export-out-error' } as object }}
                />
                {api.transport === 'electron' && (
                  <Button
                    variant="outlined"
                    onClick={async () => {
                      const r = await call('dialog.openFolder', {})
                      if (r.paths[0]) setOutDir(r.paths[0])
                    }}
                  >
                    Choose…
                  </Button>
                )}
              </Stack>
              <Stack direction="row" spacing={2} sx={{ alignItems: 'center' }}>
                <FormControlLabel
                  control={<Checkbox checked={unreviewed} onChange={(e) => setUnreviewed(e.target.checked)} slotProps={{ input: { 'data-testid': 'export-unreviewed' } as object }} />}
                  label="Include unreviewed detections at or above"
                />
                <Slider disabled={!unreviewed} value={threshold} min={0.5} max={1} step={0.01} onChange={(_e, v) => setThreshold(v as number)} valueLabelDisplay="auto" valueLabelFormat={(v) => `${Math.round(v * 100)}%`} sx={{ maxWidth: 260 }} />
                <Typography variant="body2">{Math.round(threshold * 100)}%</Typography>
              </Stack>
              <Stack direction="row" spacing={1.5} sx={{ alignItems: 'center' }}>
                <TextField select label="Video frames" value={videoFrames} onChange={(e) => setVideoFrames(e.target.value as 'best' | 'every')} sx={{ width: 220 }}>
                  <MenuItem value="best">Best frame per track</MenuItem>
                  <MenuItem value="every">Every Nth frame of a track</MenuItem>
                </TextField>
                {videoFrames === 'every' && <TextField label="N" type="number" value={everyNth} onChange={(e) => setEveryNth(Math.max(1, Number(e.target.value) || 1))} sx={{ width: 90 }} />}
                {ocr && (
                  <>
                    <TextField label="Crop width" type="number" value={cropW} onChange={(e) => setCropW(Number(e.target.value) || 128)} sx={{ width: 120 }} />
                    <TextField label="Crop height" type="number" value={cropH} onChange={(e) => setCropH(Number(e.target.value) || 64)} sx={{ width: 120 }} />
                  </>
                )}
                {format === 'yolo' && (
                  <TextField select label="YOLO labels" value={yoloLabels} onChange={(e) => setYoloLabels(e.target.value as 'box' | 'pose' | 'obb')} sx={{ width: 200 }} data-testid="export-yolo-labels">
                    <MenuItem value="box">Boxes</MenuItem>
                    <MenuItem value="pose">Pose (box + 4 corners)</MenuItem>
                    <MenuItem value="obb">Oriented boxes (corners)</MenuItem>
                  </TextField>
                )}
                {format === 'yolo' &&
                  (['train', 'val', 'test'] as const).map((name, i) => (
                    <TextField
                      key={name}
                      label={`${name} %`}
                      type="number"
                      value={Math.round(split[i] * 100)}
                      onChange={(e) => {
                        const s = [...split] as [number, number, number]
                        s[i] = Math.max(0, Math.min(100, Number(e.target.value) || 0)) / 100
                        setSplit(s)
                      }}
                      sx={{ width: 90 }}
                    />
                  ))}
              </Stack>
              <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between' }}>
                <FormControlLabel control={<Checkbox checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} />} label="Overwrite a non-empty folder" />
                <Button variant="contained" size="medium" startIcon={<IosShareOutlined />} disabled={!outDir.trim() || progress?.state === 'running'} onClick={() => void run()} data-testid="export-run">
                  Export
                </Button>
              </Stack>
              {runError && (
                <Alert severity="error" data-testid="export-error">
                  {runError}
                </Alert>
              )}
              {progress && (
                <Box data-testid="export-progress" data-state={progress.state}>
                  <LinearProgress
                    variant={progress.total || progress.state !== 'running' ? 'determinate' : 'indeterminate'}
                    value={progress.state === 'done' ? 100 : progress.total ? (progress.done / progress.total) * 100 : 0}
                    color={progress.state === 'error' ? 'error' : progress.state === 'done' ? 'success' : 'primary'}
                    sx={{ height: 8, borderRadius: 4 }}
                  />
                  <Typography variant="body2" sx={{ mt: 0.75 }}>
                    {progress.state === 'done'
                      ? `Done: ${progress.done} item${progress.done === 1 ? '' : 's'} written to ${displayPath(progress.outDir)}`
                      : progress.state === 'error'
                        ? ''
                        : `${progress.done} / ${progress.total || '…'} · ${progress.state}`}
                  </Typography>
                  {progress.error && <Alert severity="error">{progress.error}</Alert>}
                  {progress.state === 'done' && leftOutText(progress.leftOut) && (
                    <Alert
                      severity="warning"
                      sx={{ mt: 1 }}
                      data-testid="export-left-out"
                      data-partly={progress.leftOut?.partlyReviewed}
                      data-unreviewed={progress.leftOut?.unreviewed}
                    >
                      {leftOutText(progress.leftOut)}
                    </Alert>
                  )}
                </Box>
              )}
            </Stack>
          </CardContent>
        </Card>

        <Card>
          <CardContent>
            <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between' }}>
              <Box>
                <Typography variant="h6">Evaluate the models</Typography>
                <Typography variant="body2" color="text.secondary">
                  Compares the reads made at import with your reviewed labels: how good is the model on your data?
                </Typography>
                {/* two evaluations in two places: point at the side-by-side one so neither hides the other */}
                <Typography variant="body2" color="text.secondary">
                  To compare several recognizers side by side, open{' '}
                  <Link component="button" variant="body2" onClick={() => navigate({ screen: 'evaluate' })} sx={{ verticalAlign: 'baseline' }}>
                    Evaluate
                  </Link>{' '}
                  <Kbd>Ctrl+7</Kbd>.
                </Typography>
              </Box>
              <Button
                variant="outlined"
                startIcon={<AssessmentOutlined />}
                disabled={evaluating}
                onClick={() => {
                  setEvaluating(true)
                  void call('eval.run', {})
                    .then(setReport, () => undefined)
                    .finally(() => setEvaluating(false))
                }}
              >
                Evaluate
              </Button>
            </Stack>
            {evaluating && <LinearProgress sx={{ mt: 1.5 }} />}
            {report && (
              <Table size="small" sx={{ mt: 1.5 }} data-testid="eval-report">
                <TableBody>
                  <TableRow>
                    <TableCell>Reviewed plates</TableCell>
                    <TableCell>{report.plates}</TableCell>
                  </TableRow>
                  <TableRow>
                    <TableCell>Exact plate accuracy</TableCell>
                    <TableCell>{(report.exactAccuracy * 100).toFixed(1)}%</TableCell>
                  </TableRow>
                  <TableRow>
                    <TableCell>Character accuracy</TableCell>
                    <TableCell>{(report.charAccuracy * 100).toFixed(1)}%</TableCell>
                  </TableRow>
                  <TableRow>
                    <TableCell>Detection precision / recall</TableCell>
                    <TableCell>
                      {(report.detection.precision * 100).toFixed(1)}% / {(report.detection.recall * 100).toFixed(1)}%
                    </TableCell>
                  </TableRow>
                  {report.confusion.slice(0, 8).map((c) => (
                    <TableRow key={`${c.truth}-${c.read}`}>
                      <TableCell sx={{ pl: 4, color: 'text.secondary' }}>
                        read “{c.read}” for “{c.truth}”
                      </TableCell>
                      <TableCell>{c.count}×</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </CardContent>
        </Card>
        <ImproveModelCard />
      </Stack>
    </Box>
  )
}
