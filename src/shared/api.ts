// The one API contract: every call (request schema → response type) and every event.
// Electron IPC (preload) and web mode (HTTP + WebSocket) both implement `Api` from this file, and the
// backend validates every request against these zod schemas before a service sees it.
import { z } from 'zod'
import type {
  EngineStatus,
  EvalReport,
  ExportProgress,
  ModelComparison,
  ImportDuplicate,
  ImportFailure,
  ImportProgress,
  LibraryStats,
  MediaSummary,
  ModelDownloadProgress,
  HistoryListItem,
  ModelStatus,
  PlateDetail,
  PlateLease,
  PlateRow,
  ReviewAgreement,
  RuleFileInfo,
  Settings,
  TrackFrame,
  TrackSummary,
  TrainProgress
} from './types'
import { MAX_PLATE_TEXT, plateFromInput } from './plate-text'
import type { ImportScanProgress, MediaToolsInfo, WorkQueueStatus } from './types'
import { PROFILE_IDS } from './profiles'
import { RULE_ID } from './country-rules'
import { ROLES, type Role } from './roles'

/** Largest |coordinate| a box may have; the backend also clamps boxes to their frame (db/writer.ts). */
export const MAX_COORD = 1_000_000
const coord = z.number().min(-MAX_COORD).max(MAX_COORD) // zod 4 numbers are finite: no NaN, no ±Infinity
const box = z.object({ x1: coord, y1: coord, x2: coord, y2: coord })
/** A file or folder path: no NUL byte (the OS cannot take one) and a sane length. */
const fsPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((s) => !s.includes('\0'), 'contains a NUL byte')
const folderPath = z
  .string()
  .max(4096)
  .refine((s) => !s.includes('\0'), 'contains a NUL byte')
/** A model id as the manifest spells them (the backend checks it is in the manifest). */
const modelId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'not a model id')
/** One frame index: no video has a billion frames. */
const frameIdx = z.number().int().min(0).max(1_000_000_000)
const reviewState = z.enum(['unreviewed', 'confirmed', 'corrected', 'rejected', 'manual', 'illegible'])
export const plateFilterSchema = z.object({
  state: z.union([reviewState, z.literal('reviewed'), z.literal('all')]).optional(),
  maxConfidence: z.number().min(0).max(1).optional(),
  minConfidence: z.number().min(0).max(1).optional(),
  region: z.string().max(100).optional(),
  folder: folderPath.optional(),
  mediaId: z.number().int().optional(),
  dateFrom: z.string().max(40).optional(),
  dateTo: z.string().max(40).optional(),
  text: z.string().max(100).optional(),
  disputed: z.boolean().optional()
})
// Unicode, case and spaces normalised per row (shared/plate-text.ts); '/' or a line break starts a second
// row; never truncated: too long is an error
const plateText = z
  .string()
  .max(4 * MAX_PLATE_TEXT)
  .transform(plateFromInput)
  .refine((s) => s.length <= MAX_PLATE_TEXT, { message: `plate text is longer than ${MAX_PLATE_TEXT} characters` })
const id = z.number().int().positive()
const page = { offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(100) }

export const exportOptionsSchema = z.object({
  format: z.enum(['yolo', 'coco', 'voc', 'ocr', 'paddleocr', 'csv', 'json']),
  outDir: fsPath,
  includeUnreviewedAbove: z.number().min(0).max(1).optional(),
  videoFrames: z.union([z.literal('best'), z.object({ everyNth: z.number().int().min(1) })]).optional(),
  cropPadding: z.number().min(0).max(1).optional(),
  cropWidth: z.number().int().min(8).max(1024).optional(),
  cropHeight: z.number().int().min(8).max(1024).optional(),
  split: z.tuple([z.number().min(0), z.number().min(0), z.number().min(0)]).optional(),
  overwrite: z.boolean().optional(),
  yoloLabels: z.enum(['box', 'pose', 'obb']).optional()
})

export const settingsSchema = z.object({
  detectorId: modelId,
  /** one recognizer id, or two joined by '+' (the second backs the first up) */
  recognizerId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}(\+[A-Za-z0-9][A-Za-z0-9._-]{0,99})?$/, 'not a recognizer id (or two joined by +)'),
  detectionThreshold: z.number().min(0.01).max(1),
  lowConfidence: z.number().min(0).max(1),
  provider: z.enum(['cpu', 'cuda', 'dml', 'coreml']),
  videoFps: z.number().min(0).max(120),
  theme: z.enum(['light', 'dark', 'system']),
  countryRules: z.boolean(),
  defaultCountry: z.string().max(60),
  disabledRules: z.array(z.string().regex(RULE_ID, 'not a rule file name')).max(200),
  doubleReview: z.boolean()
})

/** An account name: letters, digits and . _ - @ (unique regardless of case). */
export const accountName = z.string().regex(/^[\p{L}\p{N}][\p{L}\p{N}._@-]{0,63}$/u, 'an account name is 1-64 letters, digits, . _ - or @')
/** A password: long enough to resist guessing, short enough to hash in bounded time. */
export const accountPassword = z.string().min(10, 'a password has at least 10 characters').max(1024)

/** name → request schema. The response type for each lives in `Responses` below. */
export const requests = {
  'app.info': z.object({}),
  'models.status': z.object({}),
  /**
   * downloads the given model ids, or (ids absent) the default and selected models that are missing or
   * corrupt, into the models folder; progress comes as 'models.progress' events
   */
  'models.download': z.object({ ids: z.array(modelId).max(50).optional() }),
  /** adds a model you bring (a file on the backend's machine): a fast-plate-ocr ONNX with its
   *  plate_config.yaml, a CTC recogniser with its JSON, or an Ultralytics YOLO detector (no config);
   *  checked (inputs, outputs, a test inference) and copied into the user-data models folder */
  'models.add': z.object({ path: fsPath, config: fsPath.optional(), id: modelId.optional() }),
  /** removes a model you added (never one that ships with PlateDesk, nor one the settings select) */
  'models.remove': z.object({ id: modelId }),
  'library.stats': z.object({}),
  /** paths are files or folders on the backend's machine; fps = video sampling (0 = every frame);
   *  profile = the recognition profile for this import (default: the settings'); crops = every image is
   *  a plate crop (no detection); skipStatic false = recognise every sampled video frame, also those
   *  unchanged since the last recognised one (default: they reuse its detections) */
  'library.import': z.object({
    paths: z.array(fsPath).min(1).max(1000),
    fps: z.number().min(0).max(120).optional(),
    profile: z.enum(PROFILE_IDS).optional(),
    crops: z.boolean().optional(),
    skipStatic: z.boolean().optional(),
    /** a recognizer id (or 'a+b') for this import instead of a profile, e.g. a model you added */
    recognizerId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}(\+[A-Za-z0-9][A-Za-z0-9._-]{0,99})?$/, 'not a recognizer id').optional()
  }),
  'import.status': z.object({}),
  'import.pause': z.object({ jobId: id }),
  'import.resume': z.object({ jobId: id }),
  'import.cancel': z.object({ jobId: id }),
  'import.failures': z.object({ jobId: id.optional(), ...page }),
  /** stops the folder scans of library.import calls still running (they fail with 'conflict') */
  'import.cancelScan': z.object({}),
  /** files an import skipped because their content was already in the library, with the file they repeat */
  'import.duplicates': z.object({ jobId: id.optional(), ...page }),
  /** the team work queue of recognition workers (queued/active/done/failed); null when the library has none */
  'import.workQueue': z.object({}),
  'media.list': z.object({ folder: folderPath.optional(), ...page }),
  /** a JPEG of a frame (or a crop of it), scaled to fit maxSize, as a data: URL */
  'media.image': z.object({
    mediaId: id,
    frameIdx: frameIdx.default(0),
    crop: box.optional(),
    maxSize: z.number().int().min(16).max(4096).default(1280)
  }),
  'plates.list': z.object({
    filter: plateFilterSchema.default({}),
    sort: z.enum(['confidence', 'recent', 'media']).default('confidence'),
    ...page
  }),
  'plates.get': z.object({ id }),
  'plates.confirm': z.object({ id }),
  'plates.correct': z.object({ id, text: plateText }),
  'plates.reject': z.object({ id }),
  'plates.setBox': z.object({ id, box }),
  /** the plate's 4 corners (TL, TR, BR, BL; the box becomes their bounding box), or null to drop them */
  'plates.setCorners': z.object({ id, corners: z.array(z.tuple([z.number(), z.number()])).length(4).nullable() }),
  /** a hand-drawn plate; illegible: a real plate nobody can read (text must then be empty) */
  'plates.add': z.object({ mediaId: id, frameIdx: frameIdx.default(0), box, text: plateText, illegible: z.boolean().optional() }),
  /** a real plate whose text cannot be read: kept for detection data, text cleared, never OCR data */
  'plates.illegible': z.object({ id }),
  /** confirm every unreviewed plate matching the filter with confidence >= minConfidence */
  'plates.bulkConfirm': z.object({ filter: plateFilterSchema.default({}), minConfidence: z.number().min(0).max(1) }),
  /** undo one history entry (or the latest undoable one when absent); bulk entries undo as a batch */
  'history.undo': z.object({ historyId: id.optional() }),
  'history.list': z.object({
    plateId: id.optional(),
    plateText: z.string().max(100).optional(),
    action: z.enum(['confirm', 'correct', 'reject', 'add', 'box', 'undo', 'bulk-confirm', 'illegible', 'track', 'vote']).optional(),
    dateFrom: z.string().max(40).optional(),
    dateTo: z.string().max(40).optional(),
    ...page
  }),
  'tracks.list': z.object({ mediaId: id }),
  'tracks.frames': z.object({ trackId: id }),
  /** members at frame index >= atFrame move to a new track; both re-voted; undoable in one step */
  'tracks.split': z.object({ trackId: id, atFrame: frameIdx }),
  /** all members into the earliest track; re-voted; undoable in one step */
  'tracks.merge': z.object({ trackIds: z.array(id).min(2).max(1000) }),
  /** the track's text corrected: every read of it, as reviewed (its plate, one history step) */
  'tracks.setText': z.object({ trackId: id, text: plateText }),
  /** confirms every unreviewed read of the track with the track's text */
  'tracks.confirm': z.object({ trackId: id }),
  'settings.get': z.object({}),
  'settings.set': settingsSchema.partial(),
  'export.run': exportOptionsSchema,
  'export.status': z.object({ jobId: z.string().min(1).max(100) }),
  'eval.run': z.object({}),
  /** each recogniser (an id, or 'a+b') reads every reviewed plate's crop: accuracy side by side, disagreements */
  'eval.compare': z.object({
    recognizers: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}(\+[A-Za-z0-9][A-Za-z0-9._-]{0,99})?$/, 'not a recognizer id')).min(1).max(4),
    limit: z.number().int().min(0).max(1000).optional()
  }),
  /** is Python with torch + onnx and the training package here? (else: the commands to install them) */
  'train.check': z.object({}),
  /** fine-tunes baseId (default: the selected recognizer) on the reviewed plates, 20% held back */
  'train.start': z.object({
    baseId: modelId.optional(),
    epochs: z.number().int().min(1).max(1000).default(10),
    device: z.enum(['auto', 'cpu', 'cuda']).optional()
  }),
  /** a job's progress (the latest job when jobId is absent; null when none ran) */
  'train.status': z.object({ jobId: z.string().max(100).optional() }),
  'train.cancel': z.object({ jobId: z.string().max(100).optional() }),
  /** the end of a job's log file (maxBytes from its end) */
  'train.log': z.object({ jobId: z.string().max(100).optional(), maxBytes: z.number().int().min(1).max(4_000_000).default(65_536) }),
  /** adds the job's new model and selects it; refused unless it beat the base (force: even so) */
  'train.adopt': z.object({ jobId: z.string().max(100).optional(), force: z.boolean().optional() }),
  /** Electron only: native folder picker. Web mode answers { paths: [] }. */
  'dialog.openFolder': z.object({}),
  // country rule files (README "Country rules"); save validates and answers the errors, writing nothing then
  'rules.list': z.object({}),
  'rules.get': z.object({ id: z.string().regex(RULE_ID, 'not a rule file name') }),
  'rules.save': z.object({ id: z.string().regex(RULE_ID, 'not a rule file name'), text: z.string().max(1_000_000) }),
  'rules.delete': z.object({ id: z.string().regex(RULE_ID, 'not a rule file name') }),
  // team-mode accounts (admin only; README "Team server"); a change of role or password, or a removal,
  // ends the user's sessions
  'users.list': z.object({}),
  'users.add': z.object({ name: accountName, role: z.enum(ROLES), password: accountPassword }),
  'users.setRole': z.object({ name: accountName, role: z.enum(ROLES) }),
  'users.setPassword': z.object({ name: accountName, password: accountPassword }),
  'users.remove': z.object({ name: accountName }),
  // team review (README "Team review: leases and double review"); leases exist only for a signed-in caller
  /** hold these plates (the one on screen and those just ahead) and let go of the others you hold; [] lets go of all */
  'review.lease': z.object({ ids: z.array(id).max(100) }),
  /** the next `count` plates of the queue that nobody else holds, leased to you */
  'review.next': z.object({
    filter: plateFilterSchema.default({ state: 'unreviewed' }),
    sort: z.enum(['confidence', 'recent', 'media']).default('confidence'),
    count: z.number().int().min(1).max(100).default(1)
  }),
  /** double review: agreement per reviewer and per pair of reviewers, plates waiting */
  'review.agreement': z.object({})
} as const

export interface AppInfo {
  version: string
  mode: 'electron' | 'web'
  dbPath: string
  engine: EngineStatus
  /** the ffmpeg/ffprobe builds that read videos (version, origin, outdated warning) */
  ffmpeg?: MediaToolsInfo
}

export interface TrainCheck {
  ok: boolean
  python: string | null
  torch: string | null
  onnx: string | null
  cuda: boolean
  /** what is missing and the exact commands that fix it */
  setup: { message: string; commands: string[] } | null
}

export interface Page<T> {
  items: T[]
  total: number
}

export interface Responses {
  'app.info': AppInfo
  'models.status': ModelStatus[]
  /** models: what this job fetches (empty when nothing needed it); a running job is answered again */
  'models.download': { jobId: string; models: { id: string; file: string; size: number }[] }
  /** the added model's status (state 'ok', path in the user-data models folder) */
  'models.add': ModelStatus
  'models.remove': { id: string }
  'library.stats': LibraryStats
  'library.import': { jobId: number }
  'import.status': ImportProgress | null
  'import.pause': ImportProgress
  'import.resume': ImportProgress
  'import.cancel': ImportProgress
  'import.failures': Page<ImportFailure>
  'import.cancelScan': { cancelled: number }
  'import.duplicates': Page<ImportDuplicate>
  'import.workQueue': WorkQueueStatus | null
  'media.list': Page<MediaSummary>
  'media.image': { dataUrl: string; width: number; height: number }
  'plates.list': Page<PlateRow>
  'plates.get': PlateDetail
  'plates.confirm': PlateRow
  'plates.correct': PlateRow
  'plates.reject': PlateRow
  'plates.setBox': PlateRow
  'plates.setCorners': PlateRow
  'plates.add': PlateRow
  'plates.illegible': PlateRow
  'plates.bulkConfirm': { count: number; batchId: string }
  'history.undo': { undone: number; plateIds: number[] }
  'history.list': Page<HistoryListItem>
  'tracks.list': TrackSummary[]
  'tracks.frames': TrackFrame[]
  'tracks.split': { trackIds: [number, number] }
  'tracks.merge': { trackId: number }
  'tracks.setText': TrackSummary
  'tracks.confirm': TrackSummary
  'settings.get': Settings
  'settings.set': Settings
  'export.run': { jobId: string }
  'export.status': ExportProgress
  'eval.run': EvalReport
  'eval.compare': ModelComparison
  'train.check': TrainCheck
  'train.start': TrainProgress
  'train.status': TrainProgress | null
  'train.cancel': TrainProgress
  'train.log': { file: string; text: string; size: number }
  'train.adopt': { modelId: string }
  'dialog.openFolder': { paths: string[] }
  'rules.list': RuleFileInfo[]
  'rules.get': { id: string; text: string; source: RuleFileInfo['source']; path: string }
  'rules.save': { errors: string[]; rule: RuleFileInfo | null }
  'rules.delete': RuleFileInfo[]
  'users.list': AccountInfo[]
  'users.add': AccountInfo
  'users.setRole': AccountInfo
  'users.setPassword': AccountInfo
  'users.remove': AccountInfo[]
  /** leasing: false outside team mode (nothing is held, nothing to renew); others: plates asked for that
   *  someone else holds */
  'review.lease': { leasing: boolean; held: number[]; others: PlateLease[]; expiresAt: string | null }
  'review.next': { items: PlateRow[]; expiresAt: string | null }
  'review.agreement': ReviewAgreement
}

/** A team-mode account as the API shows it (never its hash). */
export interface AccountInfo {
  name: string
  role: Role
  createdAt: string
  updatedAt: string
}

export type Channel = keyof typeof requests
/** What the caller passes (defaults may be omitted). */
export type Request<C extends Channel> = z.input<(typeof requests)[C]>
/** What the handler receives after validation. */
export type ParsedRequest<C extends Channel> = z.output<(typeof requests)[C]>
export type Response<C extends Channel> = Responses[C]

export interface Events {
  'import.progress': ImportProgress
  /** something in the library changed: the UI refetches what it shows ('tracks': a tracks.* edit, which
   *  changes plates the Review screen did not touch itself) */
  'library.changed': { reason: 'import' | 'review' | 'undo' | 'settings' | 'tracks'; plateIds?: number[] }
  'export.progress': ExportProgress
  'models.progress': ModelDownloadProgress
  /** folders and files found while a library.import scans its paths */
  'import.scan': ImportScanProgress
  /** an "Improve the model" job moved on */
  'train.progress': TrainProgress
}
export type EventName = keyof Events
export const eventNames: EventName[] = ['import.progress', 'library.changed', 'export.progress', 'models.progress', 'import.scan', 'train.progress']

/** The surface the renderer sees, whether over Electron IPC or web mode. */
export interface Api {
  call<C extends Channel>(channel: C, req: Request<C>): Promise<Response<C>>
  on<E extends EventName>(event: E, cb: (payload: Events[E]) => void): () => void
}

/** Backend side: one handler per channel, given the validated request. */
export type Handlers = { [C in Channel]: (req: ParsedRequest<C>) => Promise<Response<C>> | Response<C> }

/** Errors cross the boundary as { code, message } so the UI can show the cause. */
export const apiErrorCodes = ['invalid-request', 'not-found', 'conflict', 'engine', 'io', 'internal', 'unauthorized', 'forbidden'] as const
export type ApiErrorCode = (typeof apiErrorCodes)[number]
export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return (apiErrorCodes as readonly unknown[]).includes(code)
}
export interface ApiErrorPayload {
  code: ApiErrorCode
  message: string
}
/** An Error a handler throws to send { code, message } across the boundary. */
export function apiError(code: ApiErrorCode, message: string): Error {
  return Object.assign(new Error(message), { code })
}
/** Error messages are cut to this many characters: an error never echoes a large input back. */
export const MAX_ERROR_MESSAGE = 600
export function clipErrorMessage(message: string): string {
  return message.length <= MAX_ERROR_MESSAGE ? message : `${message.slice(0, MAX_ERROR_MESSAGE - 1)}…`
}
