// Text voting over the reads of one track: reads are grouped by Jaro-Winkler similarity, the heaviest
// group wins, its reads vote on the length and then per character position, each weighted by the
// detector score and that character's OCR confidence. The voted confidence is on the OCR's own scale
// (a joint probability of the whole text): see the end of voteText. The best frame of a track is the detection with
// the highest detector score x OCR confidence.

export function jaro(a: string, b: string): number {
  if (a === b) return a.length ? 1 : 0
  const la = a.length
  const lb = b.length
  if (!la || !lb) return 0
  const window = Math.max(0, Math.floor(Math.max(la, lb) / 2) - 1)
  const ma = new Array<boolean>(la).fill(false)
  const mb = new Array<boolean>(lb).fill(false)
  let matches = 0
  for (let i = 0; i < la; i++) {
    const lo = Math.max(0, i - window)
    const hi = Math.min(lb - 1, i + window)
    for (let j = lo; j <= hi; j++) {
      if (mb[j] || a[i] !== b[j]) continue
      ma[i] = mb[j] = true
      matches++
      break
    }
  }
  if (!matches) return 0
  let t = 0
  let k = 0
  for (let i = 0; i < la; i++) {
    if (!ma[i]) continue
    while (!mb[k]) k++
    if (a[i] !== b[k]) t++
    k++
  }
  return (matches / la + matches / lb + (matches - t / 2) / matches) / 3
}

export function jaroWinkler(a: string, b: string, prefixScale = 0.1): number {
  const j = jaro(a, b)
  let l = 0
  while (l < 4 && l < a.length && l < b.length && a[l] === b[l]) l++
  return j + l * prefixScale * (1 - j)
}

export interface VoteRead {
  text: string
  /** OCR confidence of the whole read, 0..1 */
  confidence: number
  /** per-character confidences (used when their count matches the text) */
  charConfidences?: number[]
  /** detector score of the detection it came from, 0..1 (default 1) */
  weight?: number
  region?: string | null
}

export interface VoteResult {
  text: string
  confidence: number
  region: string | null
  /** reads in the winning group */
  support: number
  /** how many groups the reads fell into */
  groups: number
}

/** Groups reads greedily: each read (strongest first) joins the first group whose leader is similar. */
export function groupReads(reads: VoteRead[], threshold = 0.8): VoteRead[][] {
  const sorted = reads.filter((r) => r.text).sort((x, y) => (y.weight ?? 1) * y.confidence - (x.weight ?? 1) * x.confidence)
  const groups: VoteRead[][] = []
  for (const r of sorted) {
    const g = groups.find((g) => jaroWinkler(g[0].text, r.text) >= threshold)
    if (g) g.push(r)
    else groups.push([r])
  }
  return groups
}

const mass = (g: VoteRead[]) => g.reduce((s, r) => s + (r.weight ?? 1) * r.confidence, 0)

export function voteText(reads: VoteRead[], threshold = 0.8): VoteResult {
  const groups = groupReads(reads, threshold)
  if (!groups.length) return { text: '', confidence: 0, region: null, support: 0, groups: 0 }
  const group = groups.reduce((best, g) => (mass(g) > mass(best) ? g : best))
  // length vote
  const byLen = new Map<number, number>()
  for (const r of group) byLen.set(r.text.length, (byLen.get(r.text.length) ?? 0) + (r.weight ?? 1) * r.confidence)
  let len = group[0].text.length
  for (const [l, w] of byLen) if (w > (byLen.get(len) ?? 0)) len = l
  const same = group.filter((r) => r.text.length === len)
  const groupMass = mass(group) || 1
  const lenSupport = (byLen.get(len) ?? 0) / groupMass
  // per-position vote. A read's character confidences come from the OCR; without them each character
  // gets confidence^(1/length) so their product is the read's confidence.
  const charConf = (r: VoteRead, pos: number) =>
    r.charConfidences && r.charConfidences.length === r.text.length ? r.charConfidences[pos] : Math.pow(r.confidence, 1 / r.text.length)
  let text = ''
  let joint = 1
  for (let pos = 0; pos < len; pos++) {
    const votes = new Map<string, number>()
    let total = 0
    for (const r of same) {
      const w = r.weight ?? 1
      votes.set(r.text[pos], (votes.get(r.text[pos]) ?? 0) + w * charConf(r, pos))
      total += w
    }
    let ch = same[0].text[pos]
    for (const [c, v] of votes) if (v > (votes.get(ch) ?? 0)) ch = c
    text += ch
    joint *= total > 0 ? (votes.get(ch) ?? 0) / total : 0
  }
  // what the OCR's confidence holds beyond its characters (e.g. its belief in the length, through the
  // padding slots): read confidence / product of its character confidences, weighted over the reads
  let lfW = 0
  let lf = 0
  for (const r of same) {
    const w = r.weight ?? 1
    const prod = [...r.text].reduce((p, _, i) => p * charConf(r, i), 1)
    lf += w * (prod > 0 ? Math.min(1, r.confidence / prod) : 0)
    lfW += w
  }
  const lengthFactor = lfW > 0 ? lf / lfW : 0
  // region: weighted majority in the winning group
  const regions = new Map<string, number>()
  for (const r of group) if (r.region) regions.set(r.region, (regions.get(r.region) ?? 0) + (r.weight ?? 1) * r.confidence)
  let region: string | null = null
  for (const [k, v] of regions) if (region == null || v > (regions.get(region) ?? 0)) region = k
  // When some reads say exactly the voted text, the confidence is theirs (weighted mean), scaled by
  // their share of all the evidence (a stray misread from a blurred frame, with its low OCR confidence,
  // barely counts). When the text exists only as the vote's composite, the joint vote above stands.
  const exact = reads.filter((r) => r.text === text)
  const allMass = mass(reads.filter((r) => r.text)) || 1
  let confidence: number
  if (exact.length) {
    const w = exact.reduce((a, r) => a + (r.weight ?? 1), 0) || 1
    const meanConf = exact.reduce((a, r) => a + (r.weight ?? 1) * r.confidence, 0) / w
    confidence = meanConf * (mass(exact) / allMass)
  } else confidence = len ? joint * lengthFactor * lenSupport * (groupMass / allMass) : 0
  return { text, confidence: Math.max(0, Math.min(1, confidence)), region, support: group.length, groups: groups.length }
}

/** index of the best detection: highest detector score x OCR confidence (detections without a read count
 *  their detector score x 0.01 so a read always wins over no read) */
export function bestIndex(items: { score: number; confidence: number | null }[]): number {
  let best = 0
  let bestV = -1
  items.forEach((it, i) => {
    const v = it.score * (it.confidence ?? 0.01)
    if (v > bestV) {
      bestV = v
      best = i
    }
  })
  return best
}
