// Evaluate: compare recognisers on what reviewers decided ('eval.compare'). Each chosen model reads every
// reviewed plate's crop; exact-plate and character accuracy side by side, by region and source, and the
// plates they read differently with their crops.
import { useState } from 'react'
import { Alert, Box, Button, Card, CardContent, Checkbox, FormControlLabel, FormGroup, LinearProgress, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material'
import type { ModelComparison } from '@shared/types'
import { singleLine } from '@shared/plate-text'
import { api } from '../../api/client'
import { useApi } from '../../hooks/useApi'
import { MediaImage } from '../../components/MediaImage'
import { Kbd } from '../../components/Kbd'
import { navigate } from '../../nav'

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`
const MAX_MODELS = 4
const DEFAULT_CHAIN = 'cct-xs-v2-global+cct-xs-v1-global'

export function EvaluateScreen() {
  const models = useApi('models.status', {})
  const stats = useApi('library.stats', {}, { live: true })
  // nothing reviewed yet: every model would score 0 of 0, so say what to do instead
  const noTruth = stats.data?.reviewed === 0
  const ok = (models.data ?? []).filter((m) => m.task === 'recognizer' && m.state === 'ok')
  // the default chain (v2 read, v1 averaged in where v2 is unsure) is a choice of its own
  const chain = DEFAULT_CHAIN.split('+').every((id) => ok.some((m) => m.id === id)) ? [{ id: DEFAULT_CHAIN, user: false }] : []
  const recognizers = [...chain, ...ok.map((m) => ({ id: m.id, user: !!m.user }))]
  const [chosen, setChosen] = useState<string[]>([])
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [report, setReport] = useState<ModelComparison | null>(null)
  const toggle = (id: string): void => setChosen((c) => (c.includes(id) ? c.filter((x) => x !== id) : c.length < MAX_MODELS ? [...c, id] : c))
  const run = async (): Promise<void> => {
    setBusy(true)
    setError(null)
    try {
      // columns in the order of the checkboxes, not the order they were ticked in
      const ordered = recognizers.map((m) => m.id).filter((id) => chosen.includes(id))
      setReport(await api.call('eval.compare', { recognizers: ordered }))
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Box sx={{ height: '100%', overflow: 'auto', p: 2 }}>
      <Stack spacing={2} sx={{ maxWidth: 1100, mx: 'auto' }}>
        <Card>
          <CardContent>
            <Typography variant="h6">Compare recognizers</Typography>
            <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
              Each model reads every reviewed plate (confirmed, corrected, drawn) from its reviewed box; the reviewed text is the truth. Choose up to {MAX_MODELS}.
            </Typography>
            {noTruth && (
              <Alert
                severity="info"
                sx={{ mb: 1 }}
                data-testid="evaluate-empty"
                action={
                  <Button size="small" onClick={() => navigate({ screen: 'review' })}>
                    Open Review
                  </Button>
                }
              >
                No reviewed plates yet, so there is nothing to compare against. Confirm or correct some plates in Review <Kbd>Ctrl+2</Kbd> first.
              </Alert>
            )}
            {models.data && recognizers.length === 0 && (
              <Alert severity="warning" sx={{ mb: 1 }} data-testid="evaluate-no-models">
                No recognizer is installed. Add one in Settings → Models <Kbd>Ctrl+6</Kbd>.
              </Alert>
            )}
            <FormGroup row data-testid="evaluate-models">
              {recognizers.map((m) => (
                <FormControlLabel
                  key={m.id}
                  control={<Checkbox checked={chosen.includes(m.id)} disabled={!chosen.includes(m.id) && chosen.length >= MAX_MODELS} onChange={() => toggle(m.id)} slotProps={{ input: { 'data-testid': `evaluate-model-${m.id}` } as object }} />}
                  label={m.user ? `${m.id} (yours)` : m.id}
                />
              ))}
            </FormGroup>
            <Button variant="contained" sx={{ mt: 1 }} disabled={busy || chosen.length === 0 || noTruth} onClick={() => void run()} data-testid="evaluate-run">
              {busy ? 'Reading the plates…' : chosen.length > 1 ? `Compare ${chosen.length} models` : 'Evaluate'}
            </Button>
            {busy && <LinearProgress sx={{ mt: 1 }} />}
            {error && (
              <Alert severity="error" sx={{ mt: 1 }} data-testid="evaluate-error">
                {error}
              </Alert>
            )}
          </CardContent>
        </Card>
        {report && <Results r={report} />}
      </Stack>
    </Box>
  )
}

function Results({ r }: { r: ModelComparison }) {
  // rejected plates count as reviewed in the header but carry no text to score against
  if (r.plates === 0)
    return (
      <Alert severity="info" data-testid="evaluate-summary">
        None of the reviewed plates has a confirmed or corrected text yet (rejected plates are not scored). Confirm or correct some plates in Review, then evaluate again.
      </Alert>
    )
  const best = Math.max(...r.models.map((m) => m.exactAccuracy))
  return (
    <>
      <Card>
        <CardContent>
          <Typography variant="subtitle1" sx={{ fontWeight: 700 }} data-testid="evaluate-summary">
            {r.plates} reviewed plates · {r.disagreementCount} read differently
          </Typography>
          <Table size="small" data-testid="evaluate-table">
            <TableHead>
              <TableRow>
                <TableCell />
                {r.models.map((m) => (
                  <TableCell key={m.id} align="right" sx={{ fontWeight: 700 }}>
                    {m.id}
                  </TableCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>
              <TableRow data-testid="evaluate-exact">
                <TableCell>Exact plates</TableCell>
                {r.models.map((m) => (
                  <TableCell key={m.id} align="right" sx={{ fontWeight: m.exactAccuracy === best ? 700 : 400 }}>
                    {pct(m.exactAccuracy)} ({m.exact}/{r.plates})
                  </TableCell>
                ))}
              </TableRow>
              <TableRow data-testid="evaluate-char">
                <TableCell>Characters</TableCell>
                {r.models.map((m) => (
                  <TableCell key={m.id} align="right">
                    {pct(m.charAccuracy)}
                  </TableCell>
                ))}
              </TableRow>
              {(
                [
                  ['Region', r.byRegion],
                  ['Source', r.bySource]
                ] as const
              ).map(([name, rows]) =>
                rows.map((g) => (
                  <TableRow key={`${name}:${g.key}`} data-testid={`evaluate-${name.toLowerCase()}-row`}>
                    <TableCell sx={{ color: 'text.secondary', wordBreak: 'break-all' }}>
                      {name}: {g.key} ({g.plates})
                    </TableCell>
                    {g.exactAccuracy.map((a, i) => (
                      <TableCell key={i} align="right">
                        {pct(a)}
                      </TableCell>
                    ))}
                  </TableRow>
                ))
              )}
            </TableBody>
          </Table>
          {r.failures.map((f) => (
            <Typography key={f.path} variant="caption" color="error" component="div">
              {f.path}: {f.error}
            </Typography>
          ))}
        </CardContent>
      </Card>
      {r.disagreements.length > 0 && (
        <Card>
          <CardContent>
            <Typography variant="subtitle1" sx={{ fontWeight: 700, mb: 1 }}>
              Where they disagree{r.disagreementCount > r.disagreements.length ? ` (first ${r.disagreements.length} of ${r.disagreementCount})` : ''}
            </Typography>
            <Table size="small" data-testid="evaluate-disagreements">
              <TableHead>
                <TableRow>
                  <TableCell>Crop</TableCell>
                  <TableCell>Reviewed</TableCell>
                  {r.models.map((m) => (
                    <TableCell key={m.id}>{m.id}</TableCell>
                  ))}
                </TableRow>
              </TableHead>
              <TableBody>
                {r.disagreements.map((d) => (
                  <TableRow key={d.plateId} data-testid="evaluate-disagreement">
                    <TableCell sx={{ width: 180 }}>
                      <Box component="a" href={`#/review?plate=${d.plateId}&media=${d.mediaId}`} title={d.mediaPath} sx={{ display: 'block', width: 160, height: 48 }}>
                        <MediaImage mediaId={d.mediaId} frameIdx={d.frameIdx} crop={d.box} maxSize={240} alt={`plate ${singleLine(d.truth)}`} />
                      </Box>
                    </TableCell>
                    <TableCell sx={{ fontFamily: 'monospace', fontWeight: 700 }}>{singleLine(d.truth)}</TableCell>
                    {d.reads.map((x, i) => (
                      <TableCell key={i} sx={{ fontFamily: 'monospace', color: x === d.truth ? 'success.main' : 'error.main' }}>
                        {singleLine(x) || '∅'}
                      </TableCell>
                    ))}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </CardContent>
        </Card>
      )}
    </>
  )
}
