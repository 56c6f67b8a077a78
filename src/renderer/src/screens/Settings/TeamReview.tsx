// Settings → Team review: double review on or off (an admin's switch in team mode) and the agreement
// figures of double review, per reviewer against the others and per pair of reviewers.
import { Box, Card, CardContent, FormControlLabel, Switch, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material'
import type { Settings } from '@shared/types'
import { useApi } from '../../hooks/useApi'

const pct = (r: number | null): string => (r == null ? '–' : `${Math.round(r * 1000) / 10}%`)

export function TeamReview({ settings, set }: { settings: Settings; set: (patch: Partial<Settings>) => void }) {
  const fig = useApi('review.agreement', {}, { live: true })
  const a = fig.data
  return (
    <Card data-testid="team-review">
      <CardContent>
        <Typography variant="h6" sx={{ mb: 1 }}>
          Team review
        </Typography>
        <FormControlLabel
          control={<Switch checked={settings.doubleReview} onChange={(e) => set({ doubleReview: e.target.checked })} data-testid="double-review" />}
          label="Double review: every plate needs the same decision from two reviewers (disagreements go to an admin)"
        />
        <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
          Reviewers never work on the same plate at once: each holds the plates on their screen for 2 minutes, renewed while they work.
        </Typography>
        {fig.error && <Typography color="error">{fig.error.message}</Typography>}
        {a && (a.reviewers.length > 0 || a.pending > 0 || a.disputed > 0) && (
          <Box sx={{ mt: 2 }}>
            <Typography variant="body2" data-testid="double-review-waiting">
              Waiting for a second reviewer: {a.pending} · disputed, for an admin: {a.disputed}
            </Typography>
            <Table size="small" sx={{ mt: 1 }} data-testid="agreement-table">
              <TableHead>
                <TableRow>
                  <TableCell>Reviewer</TableCell>
                  <TableCell align="right">Double-reviewed</TableCell>
                  <TableCell align="right">Agreed</TableCell>
                  <TableCell align="right">Agreement</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {a.reviewers.map((r) => (
                  <TableRow key={r.reviewer}>
                    <TableCell>{r.reviewer} vs others</TableCell>
                    <TableCell align="right">{r.plates}</TableCell>
                    <TableCell align="right">{r.agreed}</TableCell>
                    <TableCell align="right">{pct(r.rate)}</TableCell>
                  </TableRow>
                ))}
                {a.pairs.map((p) => (
                  <TableRow key={`${p.a}\u0000${p.b}`}>
                    <TableCell>
                      {p.a} + {p.b}
                    </TableCell>
                    <TableCell align="right">{p.plates}</TableCell>
                    <TableCell align="right">{p.agreed}</TableCell>
                    <TableCell align="right">{pct(p.rate)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Box>
        )}
      </CardContent>
    </Card>
  )
}
