// Plain data types shared by main, preload and renderer. No runtime code, no Node imports.

/** Axis-aligned box in source-image pixel coordinates (x2/y2 exclusive edge). */
export interface Box {
  x1: number
  y1: number
  x2: number
  y2: number
}

export interface Point {
  x: number
  y: number
}

export interface Candidate {
  plate: string
  /** 0..1 */
  confidence: number
}

/** One OCR reading of one plate crop. Confidences are 0..1 here; the OpenALPR JSON scales to 0..100. */
export interface PlateRead {
  text: string
  confidence: number
  charConfidences: number[]
  candidates: Candidate[]
  region: string | null
  regionConfidence: number | null
  modelId: string
  /** set when a country rule looked at the read (engine/country-rules.ts): the country's name */
  rule?: string
  /** with `rule`: the model's own reading; equal to `text` when the rule kept it (it breaks the syntax) */
  modelText?: string
}

export interface Detection {
  box: Box
  /** detector score 0..1 */
  score: number
  classId: number
  /** the plate's corners (TL, TR, BR, BL) when the detector gives them */
  corners?: [[number, number], [number, number], [number, number], [number, number]]
  /** 2 = a two-row plate (the detector's layout class); absent = one row */
  rows?: 1 | 2
}

export interface RecognizedPlate {
  detection: Detection
  /** null when OCR produced nothing usable */
  read: PlateRead | null
}

export interface StageTimings {
  decodeMs: number
  detectMs: number
  ocrMs: number
  totalMs: number
}

export interface ImageRecognition {
  width: number
  height: number
  plates: RecognizedPlate[]
  timings: StageTimings
}

/** OpenALPR-compatible output (confidence 0..100). */
export interface OpenAlprResult {
  plate: string
  confidence: number
  coordinates: Point[]
  candidates: Candidate[]
  region: string | null
  region_confidence: number | null
  matches_template?: number
  /** PlateDesk: the country rule that looked at the read, and the model's own reading (README "Country rules") */
  rule?: string
  model_plate?: string | null
}

export interface OpenAlprImage {
  file: string
  img_width: number
  img_height: number
  processing_time_ms: number
  results: OpenAlprResult[]
  error?: string
}

export type ExecutionProvider = 'cpu' | 'cuda' | 'dml' | 'coreml'

export type ModelTask = 'detector' | 'recognizer'

export interface ModelStatus {
  id: string
  task: ModelTask
  file: string
  path: string | null
  state: 'ok' | 'missing' | 'corrupt'
  message: string
  /** the manifest's size in bytes (set by the backend's models.status / app.info) */
  size?: number
  /** a default model of the manifest (set by the backend's models.status / app.info) */
  default?: boolean
  /** recognisers: the characters the model can read (its manifest alphabet, without the pad char) */
  alphabet?: string
  /** a model the user added (removable); absent for the ones that ship with PlateDesk */
  user?: boolean
}

/** One step of a model download (event 'models.progress'). */
export interface ModelDownloadProgress {
  jobId: string
  modelId: string
  file: string
  /** bytes received so far */
  bytes: number
  /** the expected size (the manifest's, else the server's Content-Length) */
  total: number | null
  state: 'downloading' | 'verifying' | 'done' | 'error'
  /** with state 'error': names the file and the cause (host unreachable, checksum mismatch, ...) */
  error: string | null
}

export interface EngineStatus {
  ready: boolean
  detector: string | null
  recognizer: string | null
  provider: ExecutionProvider
  workers: number
  error: string | null
  models: ModelStatus[]
}

// ---------------------------------------------------------------- library

export type MediaKind = 'image' | 'video'
export type MediaStatus = 'pending' | 'processing' | 'done' | 'error'
/** illegible: a real plate (its box is detection data) whose text nobody can read (no text, no OCR data) */
export type ReviewState = 'unreviewed' | 'confirmed' | 'corrected' | 'rejected' | 'manual' | 'illegible'

export interface MediaSummary {
  id: number
  path: string
  folder: string
  kind: MediaKind
  size: number
  width: number | null
  height: number | null
  durationS: number | null
  /** videos: the frames per second the import sampled (frame i at i / fps s) */
  fps?: number | null
  capturedAt: string | null
  status: MediaStatus
  error: string | null
  plates: number
}

/** The review unit: one plate in an image, or one track in a video. */
export interface PlateRow {
  id: number
  mediaId: number
  mediaPath: string
  mediaKind: MediaKind
  frameIdx: number
  frameTimeS: number | null
  trackId: number | null
  box: Box
  text: string
  modelText: string | null
  confidence: number
  region: string | null
  reviewState: ReviewState
  reviewedAt: string | null
  updatedAt: string
  /** the plate's corners (TL, TR, BR, BL) in frame pixels when known (a labelled set, a corner detector, Review) */
  corners?: [[number, number], [number, number], [number, number], [number, number]] | null
}

export interface PlateDetail extends PlateRow {
  /** the country rule's verdict on this plate's read; null when no rule applied or the read fit */
  rule: PlateRule | null
  charConfidences: number[]
  candidates: Candidate[]
  regionConfidence: number | null
  detectorScore: number | null
  frameWidth: number
  frameHeight: number
  history: HistoryEntry[]
}

export interface HistoryEntry {
  id: number
  plateId: number
  action: HistoryAction
  oldValue: unknown
  newValue: unknown
  at: string
  by: string
  batchId: string | null
  undoneBy: number | null
}

/** 'track': a video track split or merged by hand */
export type HistoryAction = 'confirm' | 'correct' | 'reject' | 'add' | 'box' | 'undo' | 'bulk-confirm' | 'illegible' | 'track' | 'vote'

/** A history row as the History screen lists it: the entry plus what it needs to show the plate. */
export interface HistoryListItem extends HistoryEntry {
  /** the plate's text before and after this change (for a confirm or reject: the text it kept) */
  textBefore: string | null
  textAfter: string | null
  /** where the plate is, to show its crop (the plate's current box) */
  mediaId: number
  frameIdx: number
  box: Box
  /** the plate's current text and state */
  plateText: string
  plateState: ReviewState
}

export interface HistoryFilter {
  plateId?: number
  /** the plate's current text, same syntax as the plate search */
  plateText?: string
  action?: HistoryAction
  /** ISO dates (inclusive) on the change time */
  dateFrom?: string
  dateTo?: string
}

export interface TrackFrame {
  detectionId: number
  frameIdx: number
  timeS: number | null
  box: Box
  score: number
  text: string | null
  confidence: number | null
}

export interface TrackSummary {
  id: number
  mediaId: number
  plateId: number | null
  text: string
  confidence: number
  firstFrame: number
  lastFrame: number
  firstTimeS: number | null
  lastTimeS: number | null
  bestFrame: number
  detections: number
}

export interface ImportProgress {
  jobId: number
  state: 'queued' | 'running' | 'paused' | 'done' | 'cancelled' | 'error'
  filesTotal: number
  filesDone: number
  filesFailed: number
  platesFound: number
  currentFile: string | null
  filesPerSecond: number
  etaSeconds: number | null
  /** files skipped because the same content is already in the library (listed by 'import.duplicates') */
  filesDuplicate: number
  /** progress inside the video being decoded (one at a time), absent when none is */
  fileProgress?: FileProgress | null
}

/** The team work queue (recognition workers, issue 13): files waiting, held by a worker, committed, failed. */
export interface WorkQueueStatus {
  queued: number
  active: number
  /** committed: recognised, or found already in the library */
  done: number
  duplicate: number
  failed: number
  plates: number
  batches: number
  /** the newest failures with their causes */
  failures: { path: string; error: string }[]
  /** files committed per second over the last minute (null until measured) */
  filesPerSecond: number | null
}

/** While a new import's folders are scanned (before its job exists): folders and files found so far. */
export interface ImportScanProgress {
  dirs: number
  files: number
  /** the folder being read; null once the scan ended */
  current: string | null
}

/** Frames done of a video's expected total (duration x sampling rate, or the container's count). */
export interface FileProgress {
  path: string
  framesDone: number
  /** null when the video says neither its duration nor its frame count */
  framesTotal: number | null
  framesPerSecond: number
  etaSeconds: number | null
}

export interface ImportFailure {
  path: string
  error: string
}

/** a file skipped by an import: its content is already in the library as `duplicateOf` */
export interface ImportDuplicate {
  path: string
  duplicateOf: string
}

export interface LibraryStats {
  media: number
  images: number
  videos: number
  frames: number
  detections: number
  plates: number
  tracks: number
  reviewed: number
  errors: number
}

export interface PlateFilter {
  state?: ReviewState | 'reviewed' | 'all'
  /** double review: only unreviewed plates whose two reviewers disagreed (the adjudication queue) */
  disputed?: boolean
  /** only plates with confidence below this (0..1) */
  maxConfidence?: number
  minConfidence?: number
  region?: string
  /** part of the media file's folder path (substring, case-insensitive) */
  folder?: string
  mediaId?: number
  /** ISO dates on capture time (or import time when no EXIF) */
  dateFrom?: string
  dateTo?: string
  /** text search: substring, case-insensitive; `*` = any run of characters, `?` = one character;
   *  every other character (also `_` and `%`) is literal */
  text?: string
}

export type PlateSort = 'confidence' | 'recent' | 'media'

export interface Settings {
  detectorId: string
  recognizerId: string
  detectionThreshold: number
  lowConfidence: number
  provider: ExecutionProvider
  videoFps: number
  theme: 'light' | 'dark' | 'system'
  /** country rules re-rank readings that break their country's plate syntax (README "Country rules") */
  countryRules: boolean
  /** the country (a rule's `country`) for reads the region head is unsure of; '' = none */
  defaultCountry: string
  /** rule file ids switched off in Settings */
  disabledRules: string[]
  /** team review: every plate needs two reviewers' agreeing decisions (README "Team review") */
  doubleReview: boolean
}

/** One country rule file as Settings lists it. */
export interface RuleFileInfo {
  /** the file name without .json */
  id: string
  country: string
  regions: string[]
  formats: number
  /** shipped with PlateDesk, the user's own, or a shipped one the user edited (their copy wins) */
  source: 'shipped' | 'user' | 'edited'
  path: string
  /** used by the engine: not switched off and valid */
  enabled: boolean
  /** why the file cannot be used, each naming the file */
  errors: string[]
}

/** A country rule's verdict on a plate's model read (reads.rule, reads.model_text). */
export interface PlateRule {
  country: string
  /** the model's own reading */
  modelText: string
  /** true: the rule replaced the model's reading; false: it kept it, flagged as breaking the syntax */
  changed: boolean
}

export type ExportFormat = 'yolo' | 'coco' | 'voc' | 'ocr' | 'paddleocr' | 'csv' | 'json'

export interface ExportOptions {
  format: ExportFormat
  outDir: string
  /** include unreviewed reads at or above this confidence (0..1); absent = reviewed only */
  includeUnreviewedAbove?: number
  /** video tracks: export the best frame only, or every Nth frame of the track */
  videoFrames?: 'best' | { everyNth: number }
  /** OCR crops */
  cropPadding?: number
  cropWidth?: number
  cropHeight?: number
  /** YOLO split ratios (train, val, test) */
  split?: [number, number, number]
  overwrite?: boolean
  /** YOLO labels: boxes (default), pose (box + the 4 corners as keypoints) or obb (the 4 corners) */
  yoloLabels?: 'box' | 'pose' | 'obb'
}

export interface ExportProgress {
  jobId: string
  done: number
  total: number
  state: 'running' | 'done' | 'error' | 'cancelled'
  outDir: string
  error: string | null
  /** detection exports, once done: the images left out and why */
  leftOut?: ExportLeftOut
}

/** Images a detection export left out, because a box on them is undecided (training on them would
 *  teach the detector that a real plate is background). */
export interface ExportLeftOut {
  /** images with some plates decided and at least one still unreviewed (below the threshold) */
  partlyReviewed: number
  /** images whose plates are all unreviewed (below the threshold) */
  unreviewed: number
}

export interface EvalReport {
  plates: number
  exactAccuracy: number
  charAccuracy: number
  detection: { precision: number; recall: number; truePositives: number; falsePositives: number; falseNegatives: number }
  confusion: { truth: string; read: string; count: number }[]
  byRegion: { key: string; plates: number; exactAccuracy: number }[]
  bySource: { key: string; plates: number; exactAccuracy: number }[]
}

/** Recognisers compared on the reviewed plates (`eval --db --recognizer A,B`, Evaluate screen). */
export interface ModelComparison {
  /** reviewed plates with text that were read (each by every model, from its reviewed box) */
  plates: number
  /** per model, in the order asked */
  models: { id: string; exact: number; exactAccuracy: number; charAccuracy: number }[]
  /** exact accuracy per model (same order) by region and by source folder */
  byRegion: { key: string; plates: number; exactAccuracy: number[] }[]
  bySource: { key: string; plates: number; exactAccuracy: number[] }[]
  /** plates the models read differently (the first `limit`), with the reviewed text */
  disagreements: ModelDisagreement[]
  disagreementCount: number
  /** frames that could not be read (file gone, decode error) */
  failures: { path: string; error: string }[]
}

export interface ModelDisagreement {
  plateId: number
  mediaId: number
  frameIdx: number
  mediaPath: string
  box: Box
  truth: string
  region: string | null
  source: string
  /** one read per model, same order as `models` ('' = nothing read) */
  reads: string[]
}

/** An ffmpeg/ffprobe binary in use: where it comes from, its version, and whether it is too old. */
export interface MediaToolInfo {
  tool: 'ffmpeg' | 'ffprobe'
  path: string
  source: 'env' | 'bundled' | 'system'
  version: string
  /** FFmpeg major release (6 for 6.1.1 or a libavcodec-60 snapshot) */
  major: number | null
  outdated: boolean
  warning: string | null
}

export interface MediaToolsInfo {
  ffmpeg: MediaToolInfo | null
  ffprobe: MediaToolInfo | null
  /** why a tool could not be found */
  error: string | null
}

/** One recognizer's score on the plates a training run held back. */
export interface TrainModelScore {
  id: string
  plates: number
  exactAccuracy: number
  charAccuracy: number
}

/** "Improve the model": one fine-tuning job (export → train → compare on held-back plates). */
export interface TrainProgress {
  jobId: string
  state: 'running' | 'done' | 'error' | 'cancelled'
  phase: 'checking' | 'exporting' | 'training' | 'evaluating' | 'finished'
  baseId: string
  epochs: number
  /** epochs finished so far */
  epoch: number
  loss: number | null
  valAccuracy: number | null
  /** progress within the export and evaluation phases */
  done: number
  total: number
  jobDir: string
  logFile: string
  trainPlates: number
  holdoutPlates: number
  /** base vs new on the held-back plates; better: the new model may be adopted */
  comparison: { base: TrainModelScore; candidate: TrainModelScore; better: boolean } | null
  /** the trained files, once done */
  model: string | null
  config: string | null
  /** no usable Python/torch: why, and the exact commands to run (the last one trains by hand) */
  setup: { message: string; commands: string[] } | null
  error: string | null
  /** the model id once adopted (added and selected) */
  adoptedId: string | null
}

/** Team review: a plate of the review queue held by one reviewer until expiresAt (ISO). */
export interface PlateLease {
  plateId: number
  holder: string
  expiresAt: string
}

/** Double review's agreement figures: plates two reviewers both decided, and how many agreed. */
export interface ReviewAgreement {
  doubleReview: boolean
  /** each reviewer against every other */
  reviewers: { reviewer: string; plates: number; agreed: number; rate: number | null }[]
  /** each pair of reviewers (a < b) */
  pairs: { a: string; b: string; plates: number; agreed: number; rate: number | null }[]
  /** unreviewed plates with one vote (waiting for a second reviewer) and two disagreeing (for an admin) */
  pending: number
  disputed: number
}
