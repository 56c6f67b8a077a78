// Start an import: drop folders/files (desktop), or type/paste/choose a path.
import { useState, type DragEvent } from 'react'
import { Box, Button, Card, CardContent, Checkbox, FormControlLabel, MenuItem, Stack, TextField, Typography } from '@mui/material'
import { RECOGNITION_PROFILES, profileOfRecognizer, type RecognitionProfile } from '@shared/profiles'
import CreateNewFolderOutlined from '@mui/icons-material/CreateNewFolderOutlined'
import FileDownloadOutlined from '@mui/icons-material/FileDownloadOutlined'
import { api } from '../../api/client'
import { useNotify } from '../../components/Notify'
import { useApp } from '../../context'
import { useApi, useCall } from '../../hooks/useApi'
import { useEvent } from '../../hooks/useEvent'
import type { ImportScanProgress } from '@shared/types'

export function ImportCard({ onStarted }: { onStarted: (jobId: number) => void }) {
  const { settings } = useApp()
  const call = useCall()
  const notify = useNotify()
  const [path, setPath] = useState('')
  const [fps, setFps] = useState<string>('')
  // '' = the settings' profile; crops = every image is a plate crop (no detection)
  // or 'model:<id>': a recognizer you added (Settings → Models)
  const [profile, setProfile] = useState<RecognitionProfile['id'] | '' | `model:${string}`>('')
  const models = useApi('models.status', {})
  const mine = (models.data ?? []).filter((m) => m.user && m.task === 'recognizer' && m.state === 'ok')
  const [crops, setCrops] = useState(false)
  const [over, setOver] = useState(false)
  const [busy, setBusy] = useState(false)
  const [scan, setScan] = useState<ImportScanProgress | null>(null)
  useEvent('import.scan', (p) => setScan(p.current ? p : null), busy)
  const electron = api.transport === 'electron'

  const start = async (paths: string[]): Promise<void> => {
    const clean = paths.map((p) => p.trim()).filter(Boolean)
    if (!clean.length) return
    setBusy(true)
    try {
      const f = fps.trim() === '' ? undefined : Number(fps)
      const r = await call('library.import', {
        paths: clean,
        ...(f !== undefined && Number.isFinite(f) ? { fps: f } : {}),
        ...(profile.startsWith('model:') ? { recognizerId: profile.slice(6) } : profile ? { profile: profile as RecognitionProfile['id'] } : {}),
        ...(crops ? { crops: true } : {})
      })
      notify(`Import started: ${clean.join(', ')}`, 'info')
      setPath('')
      onStarted(r.jobId)
    } catch {
      // shown by useCall
    } finally {
      setBusy(false)
      setScan(null)
    }
  }

  const onDrop = (e: DragEvent): void => {
    e.preventDefault()
    setOver(false)
    const files = [...e.dataTransfer.files]
    const paths = api.getPathForFile ? files.map((f) => api.getPathForFile!(f)).filter(Boolean) : []
    if (paths.length) void start(paths)
    else {
      const text = e.dataTransfer.getData('text/plain')
      if (text) setPath(text.trim())
      else notify('A browser cannot see where a dropped folder lives: type or paste its path instead', 'warning')
    }
  }

  return (
    <Card>
      <CardContent>
        <Box
          onDragOver={(e) => {
            e.preventDefault()
            setOver(true)
          }}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
          data-testid="dropzone"
          sx={{
            border: 2,
            borderStyle: 'dashed',
            borderColor: over ? 'primary.main' : 'divider',
            bgcolor: over ? 'action.hover' : 'transparent',
            borderRadius: 2,
            p: 2.5,
            textAlign: 'center',
            transition: 'all 120ms'
          }}
        >
          <FileDownloadOutlined color={over ? 'primary' : 'disabled'} sx={{ fontSize: 36 }} />
          <Typography variant="subtitle2">Drop folders of photos or videos here</Typography>
          <Typography variant="caption" color="text.secondary">
            JPEG, PNG, WebP, TIFF, HEIC photos and MP4, MOV, MKV, AVI videos · the same file is never processed twice
          </Typography>
          <Stack direction="row" spacing={1} sx={{ mt: 2, maxWidth: 860, mx: 'auto' }}>
            <TextField
              fullWidth
              placeholder={electron ? '…or type a folder path' : 'Folder or file path on this machine, e.g. /home/me/dashcam'}
              value={path}
              onChange={(e) => setPath(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') void start([path])
              }}
              slotProps={{ htmlInput: { 'data-testid': 'import-path', 'aria-label': 'import path' } }}
            />
            <TextField
              label="Video fps"
              value={fps}
              placeholder={String(settings?.videoFps ?? '')}
              onChange={(e) => setFps(e.target.value.replace(/[^0-9.]/g, ''))}
              sx={{ width: 110 }}
              slotProps={{ inputLabel: { shrink: true }, htmlInput: { inputMode: 'decimal', 'aria-label': 'video sampling fps' } }}
            />
            <TextField
              select
              label="Profile"
              value={profile}
              onChange={(e) => setProfile(e.target.value as typeof profile)}
              sx={{ width: 190, textAlign: 'left' }}
              slotProps={{ inputLabel: { shrink: true }, select: { displayEmpty: true }, htmlInput: { 'data-testid': 'import-profile', 'aria-label': 'recognition profile' } }}
            >
              <MenuItem value="">{`Settings (${profileOfRecognizer(settings?.recognizerId ?? '')?.name ?? 'custom'})`}</MenuItem>
              {RECOGNITION_PROFILES.map((p) => (
                <MenuItem key={p.id} value={p.id}>
                  {p.name}
                </MenuItem>
              ))}
              {mine.map((m) => (
                <MenuItem key={m.id} value={`model:${m.id}`}>
                  {m.id} (yours)
                </MenuItem>
              ))}
            </TextField>
            <FormControlLabel
              control={<Checkbox checked={crops} onChange={(e) => setCrops(e.target.checked)} slotProps={{ input: { 'aria-label': 'plate crops' } }} data-testid="import-crops" />}
              label="Plate crops"
              title="Every image is one plate (an OCR dataset): no detection, the whole image is the plate"
              sx={{ whiteSpace: 'nowrap', mr: 0 }}
            />
            {electron && (
              <Button
                variant="outlined"
                startIcon={<CreateNewFolderOutlined />}
                onClick={async () => {
                  const r = await call('dialog.openFolder', {})
                  if (r.paths.length) void start(r.paths)
                }}
              >
                Choose…
              </Button>
            )}
            <Button variant="contained" disabled={!path.trim() || busy} onClick={() => void start([path])} data-testid="import-start">
              Import
            </Button>
          </Stack>
          {busy && (
            <Stack direction="row" spacing={1} sx={{ mt: 1, maxWidth: 860, mx: 'auto', alignItems: 'center' }} data-testid="import-scan">
              <Typography variant="caption" color="text.secondary" noWrap sx={{ flex: 1, textAlign: 'left' }} title={scan?.current ?? undefined}>
                Scanning… {scan ? `${scan.dirs.toLocaleString()} folders, ${scan.files.toLocaleString()} files · ${scan.current}` : ''}
              </Typography>
              <Button size="small" color="error" onClick={() => void call('import.cancelScan', {})} data-testid="import-scan-cancel">
                Stop scanning
              </Button>
            </Stack>
          )}
        </Box>
      </CardContent>
    </Card>
  )
}
