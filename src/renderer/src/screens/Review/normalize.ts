import { normalizePlateText } from '@shared/plate-text'

/** What the backend stores for a plate text (api.ts plateText): Unicode, case and spaces normalised,
 *  nothing dropped, nothing cut (shared/plate-text.ts). */
export function normalizePlate(s: string): string {
  return normalizePlateText(s)
}

/** The alternatives worth a key (Alt+1..9): distinct texts, the first three, then any with at least 1%. */
export function candidateChoices<C extends { plate: string; confidence: number }>(candidates: C[]): C[] {
  const seen = new Set<string>()
  const out: C[] = []
  for (const c of candidates) {
    const key = normalizePlate(c.plate)
    if (!key || seen.has(key)) continue
    seen.add(key)
    if (out.length < 3 || c.confidence >= 0.01) out.push(c)
    if (out.length === 9) break
  }
  return out
}
