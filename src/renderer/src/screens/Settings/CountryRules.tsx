// Settings → Country rules: the rule files (shipped, the user's, edited), on/off, the default country,
// and a JSON editor that shows the backend's validation errors; import / export a rule file.
import { useRef, useState } from 'react'
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  MenuItem,
  Stack,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography
} from '@mui/material'
import type { RuleFileInfo, Settings } from '@shared/types'
import { api } from '../../api/client'
import { useApi } from '../../hooks/useApi'
import { MONO } from '../../theme'

const NEW_RULE = `{
  "country": "",
  "regions": [],
  "sources": ["https://en.wikipedia.org/wiki/Vehicle_registration_plates_of_..."],
  "formats": [{ "name": "Standard", "pattern": "L{2} D{3} L{2}", "examples": [] }]
}
`

export function CountryRules({ settings, set }: { settings: Settings; set: (patch: Partial<Settings>) => void }) {
  const rules = useApi('rules.list', {}, { live: (e) => e.reason === 'settings' })
  const [editing, setEditing] = useState<{ id: string; text: string; isNew: boolean } | null>(null)
  const [errors, setErrors] = useState<string[]>([])
  const [message, setMessage] = useState<string | null>(null)
  const fileInput = useRef<HTMLInputElement>(null)
  const list = rules.data ?? []
  const countries = [...new Set(list.filter((r) => !r.errors.length).map((r) => r.country))].sort()

  const open = async (r: RuleFileInfo): Promise<void> => {
    const res = await api.call('rules.get', { id: r.id })
    setErrors(r.errors)
    setEditing({ id: r.id, text: res.text, isNew: false })
  }
  const save = async (): Promise<void> => {
    if (!editing) return
    try {
      const res = await api.call('rules.save', { id: editing.id, text: editing.text })
      setErrors(res.errors)
      if (!res.errors.length) {
        setEditing(null)
        setMessage(`Saved ${editing.id}.json; new imports use it.`)
        rules.reload()
      }
    } catch (err) {
      setErrors([(err as Error).message])
    }
  }
  const toggle = (r: RuleFileInfo, on: boolean): void => {
    const off = new Set(settings.disabledRules)
    if (on) off.delete(r.id)
    else off.add(r.id)
    set({ disabledRules: [...off].sort() })
  }
  const exportRule = async (r: RuleFileInfo): Promise<void> => {
    const { text } = await api.call('rules.get', { id: r.id })
    const a = document.createElement('a')
    a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }))
    a.download = `${r.id}.json`
    a.click()
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
  }
  const importRule = async (file: File): Promise<void> => {
    const id = file.name.replace(/\.json$/i, '').toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+/, '').slice(0, 60) || 'imported'
    // shown in the editor first: the errors (if any) name what to fix before it is saved
    setErrors([])
    setEditing({ id, text: await file.text(), isNew: true })
  }

  return (
    <Card data-testid="country-rules">
      <CardContent>
        <Stack direction="row" sx={{ alignItems: 'center', mb: 1, gap: 2 }}>
          <Typography variant="h6" sx={{ flex: 1 }}>
            Country rules
          </Typography>
          <Switch checked={settings.countryRules} onChange={(e) => set({ countryRules: e.target.checked })} slotProps={{ input: { 'aria-label': 'use country rules' } }} data-testid="rules-enabled" />
        </Stack>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5 }}>
          When a reading breaks its country&apos;s plate syntax (e.g. O where only digits may stand), the most probable reading that fits is taken if it is
          nearly as probable; else the reading stays, flagged in Review. The country comes from the model&apos;s region when it is sure, else from the default below.
          Applies to new imports.
        </Typography>
        <Stack direction="row" sx={{ gap: 2, alignItems: 'center', mb: 1.5 }}>
          <TextField
            select
            size="small"
            label="Default country"
            value={countries.includes(settings.defaultCountry) ? settings.defaultCountry : ''}
            onChange={(e) => set({ defaultCountry: e.target.value })}
            sx={{ width: 260 }}
            slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'rules-default-country' } }}
          >
            <MenuItem value="">None (only the model&apos;s region)</MenuItem>
            {countries.map((c) => (
              <MenuItem key={c} value={c}>
                {c}
              </MenuItem>
            ))}
          </TextField>
          <Box sx={{ flex: 1 }} />
          <Button size="small" onClick={() => (setErrors([]), setEditing({ id: 'my-country', text: NEW_RULE, isNew: true }))}>
            New rule
          </Button>
          <Button size="small" onClick={() => fileInput.current?.click()} data-testid="rules-import">
            Import…
          </Button>
          <input
            ref={fileInput}
            type="file"
            accept=".json,application/json"
            hidden
            data-testid="rules-import-input"
            onChange={(e) => {
              const f = e.target.files?.[0]
              e.target.value = ''
              if (f) void importRule(f)
            }}
          />
        </Stack>
        {message && (
          <Alert severity="success" onClose={() => setMessage(null)} sx={{ mb: 1 }}>
            {message}
          </Alert>
        )}
        {rules.error && <Typography color="error">{rules.error.message}</Typography>}
        <Table size="small" data-testid="rules-table">
          <TableHead>
            <TableRow>
              <TableCell>On</TableCell>
              <TableCell>Country</TableCell>
              <TableCell>Formats</TableCell>
              <TableCell title="The names the recognizer's region output gives this country">Model region names</TableCell>
              <TableCell>File</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {list.map((r) => (
              <TableRow key={r.id} data-testid={`rules-row-${r.id}`}>
                <TableCell padding="checkbox">
                  <Switch
                    size="small"
                    checked={!settings.disabledRules.includes(r.id)}
                    disabled={!settings.countryRules || r.errors.length > 0}
                    onChange={(e) => toggle(r, e.target.checked)}
                    slotProps={{ input: { 'aria-label': `use ${r.country}` } }}
                  />
                </TableCell>
                <TableCell sx={{ fontWeight: 600 }}>
                  {r.country}
                  {r.errors.length > 0 && <Chip size="small" color="error" label="invalid" sx={{ ml: 1 }} title={r.errors.join('\n')} />}
                </TableCell>
                <TableCell>{r.formats}</TableCell>
                <TableCell sx={{ fontSize: 12 }}>{r.regions.join(', ') || '—'}</TableCell>
                <TableCell sx={{ fontSize: 12, color: 'text.secondary' }}>
                  {r.id}.json {r.source !== 'shipped' && <Chip size="small" variant="outlined" label={r.source} />}
                </TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>
                  <Button size="small" onClick={() => void open(r)}>
                    Edit
                  </Button>
                  <Button size="small" onClick={() => void exportRule(r)}>
                    Export
                  </Button>
                  {r.source !== 'shipped' && (
                    <Button size="small" color="warning" onClick={() => void api.call('rules.delete', { id: r.id }).then(() => rules.reload())}>
                      {r.source === 'edited' ? 'Revert' : 'Delete'}
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </CardContent>

      <Dialog open={!!editing} onClose={() => setEditing(null)} maxWidth="md" fullWidth>
        <DialogTitle>{editing?.isNew ? 'New rule file' : `Edit ${editing?.id}.json`}</DialogTitle>
        <DialogContent>
          {editing?.isNew && (
            <TextField
              size="small"
              label="File name (without .json)"
              value={editing.id}
              onChange={(e) => setEditing({ ...editing, id: e.target.value.toLowerCase() })}
              sx={{ mt: 1, mb: 1, width: 320 }}
              slotProps={{ htmlInput: { 'data-testid': 'rule-id' } }}
            />
          )}
          <TextField
            multiline
            fullWidth
            minRows={14}
            maxRows={28}
            value={editing?.text ?? ''}
            onChange={(e) => editing && setEditing({ ...editing, text: e.target.value })}
            slotProps={{ htmlInput: { 'data-testid': 'rule-text', spellCheck: false, style: { fontFamily: MONO, fontSize: 13 } } }}
          />
          {errors.length > 0 && (
            <Alert severity="error" sx={{ mt: 1 }} data-testid="rule-errors">
              {errors.map((e) => (
                <div key={e}>{e}</div>
              ))}
            </Alert>
          )}
          <Typography variant="caption" color="text.secondary">
            Format: rules/README.md — patterns use L (letter), D (digit), A (either), [set], (AB|CD) and {'{n}'}, {'{n,m}'}, ?. Saved to your rule folder; it overrides a shipped file of the same name.
          </Typography>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setEditing(null)}>Cancel</Button>
          <Button variant="contained" onClick={() => void save()} data-testid="rule-save">
            Save
          </Button>
        </DialogActions>
      </Dialog>
    </Card>
  )
}
