// The library service: import queue, media previews, the review queue and its edits, history/undo,
// tracks and settings, as handlers for the channels of src/shared/api.ts. The web server and the
// Electron IPC both route to these (requests arrive already validated by the zod schemas).
// Errors carry a `code` from ApiErrorPayload ('not-found', 'conflict', 'invalid-request', 'io', ...).
import { currentCaller } from './caller'
import { existsSync } from 'node:fs'
import { userInfo } from 'node:os'
import sharp from 'sharp'
import { apiError, type Handlers } from '../../shared/api'
import type { Box, PlateRow, TrackSummary } from '../../shared/types'
import type { Quad } from '../../shared/geometry'
import type { Library } from '../db/index'
import type { Engine } from '../engine/types'
import { ImportQueue } from '../importer/queue'
import { previewImageFile } from '../media/images'
import { grabFrame } from '../media/video'
import { checkModelSelection } from './model-selection'
import { createWorkQueueWatcher } from './work-queue'
import type { Emit } from './types'
import { profileById } from '../../shared/profiles'
import { createTeamReview, type TeamReviewOptions } from './team-review'

export type LibraryChannel =
  | 'library.stats'
  | 'library.import'
  | 'import.status'
  | 'import.pause'
  | 'import.resume'
  | 'import.cancel'
  | 'import.failures'
  | 'import.cancelScan'
  | 'import.duplicates'
  | 'import.workQueue'
  | 'media.list'
  | 'media.image'
  | 'plates.list'
  | 'plates.get'
  | 'plates.confirm'
  | 'plates.correct'
  | 'plates.reject'
  | 'plates.setBox'
  | 'plates.setCorners'
  | 'plates.add'
  | 'plates.illegible'
  | 'plates.bulkConfirm'
  | 'history.undo'
  | 'history.list'
  | 'tracks.list'
  | 'tracks.frames'
  | 'tracks.split'
  | 'tracks.merge'
  | 'tracks.setText'
  | 'tracks.confirm'
  | 'settings.get'
  | 'settings.set'
  | 'review.lease'
  | 'review.next'
  | 'review.agreement'

export type LibraryHandlers = Pick<Handlers, LibraryChannel>

export interface LibraryContext {
  library: Library
  /** the engine, started on first use (an import) */
  engine: () => Promise<Engine>
  emit: Emit
  /** recorded as `by` in history; default: the OS user name */
  user?: string
  /** resume jobs left unfinished by a previous run (default true) */
  resume?: boolean
  /** files in flight during an import (default: 2 x engine workers) */
  concurrency?: number
  /** team review: lease length and clock (services/team-review.ts) */
  team?: TeamReviewOptions
}

export interface LibraryService {
  handlers: LibraryHandlers
  queue: ImportQueue
  /** stops imports after their files in flight (they resume on the next start) */
  dispose(): Promise<void>
}

function defaultUser(): string {
  try {
    return userInfo().username || 'local'
  } catch {
    return 'local'
  }
}

export function createLibraryService(ctx: LibraryContext): LibraryService {
  const { library, emit } = ctx
  const { reader, writer } = library
  // the author of a review edit: the signed-in caller in team mode, else the backend's user
  const by = (): string => currentCaller()?.user ?? ctx.user ?? defaultUser()
  const queue = new ImportQueue({
    library,
    engine: ctx.engine,
    concurrency: ctx.concurrency,
    onProgress: (p) => emit('import.progress', p),
    onScanProgress: (p) => emit('import.scan', p),
    onCommitted: () => emit('library.changed', { reason: 'import' })
  })
  if (ctx.resume !== false) queue.resumeUnfinished()
  const workQueue = createWorkQueueWatcher(library)
  const team = createTeamReview(library, ctx.team)

  const reviewed = <T extends { id: number }>(row: T): T => {
    emit('library.changed', { reason: 'review', plateIds: [row.id] })
    return row
  }

  const trackPlates = (ids: number[]) => ids.map((id) => reader.trackSummary(id)?.plateId).filter((p): p is number => p != null)
  const reviewedTrack = (plate: PlateRow): TrackSummary => {
    emit('library.changed', { reason: 'tracks', plateIds: [plate.id] })
    const t = plate.trackId != null ? reader.trackSummary(plate.trackId) : null
    if (!t) throw apiError('not-found', `the track of plate ${plate.id} not found`)
    return t
  }

  /** an import's own recognizer must be in the manifest (built-in or added), like the settings' */
  const knownRecognizer = (id: string): string => {
    checkModelSelection({ recognizerId: id })
    return id
  }

  const handlers: LibraryHandlers = {
    'library.stats': () => reader.stats(),
    'library.import': async (req) => {
      try {
        const jobId = await queue.enqueue(req.paths, {
          ...(req.fps != null ? { fps: req.fps } : {}),
          ...(req.recognizerId ? { recognizerId: knownRecognizer(req.recognizerId) } : req.profile ? { recognizerId: profileById(req.profile)!.recognizerId } : {}),
          ...(req.crops ? { crops: true } : {}),
          ...(req.skipStatic === false ? { skipStatic: false } : {})
        })
        return { jobId }
      } catch (err) {
        if ((err as { code?: string }).code === 'cancelled') throw apiError('conflict', (err as Error).message)
        throw err
      }
    },
    'import.status': () => queue.status(),
    'import.pause': (req) => queue.pause(req.jobId),
    'import.resume': (req) => queue.resume(req.jobId),
    'import.cancel': (req) => queue.cancel(req.jobId),
    'import.failures': (req) => reader.importFailures(req.jobId, req.offset, req.limit),
    'import.cancelScan': () => ({ cancelled: queue.cancelScans() }),
    'import.duplicates': (req) => reader.importDuplicates(req.jobId, req.offset, req.limit),
    'import.workQueue': async () => {
      try {
        return await workQueue.status()
      } catch (err) {
        throw apiError('io', `work queue: ${(err as Error).message}`)
      }
    },
    'media.list': (req) => reader.listMedia(req.folder, req.offset, req.limit),
    'media.image': (req) => mediaImage(library, req.mediaId, req.frameIdx, req.crop, req.maxSize),
    'plates.list': (req) => reader.listPlates(req.filter, req.sort, req.offset, req.limit, team.scope(req.filter, by())),
    'plates.get': (req) => {
      const p = reader.getPlateDetail(req.id)
      if (!p) throw apiError('not-found', `plate ${req.id} not found`)
      if (p.reviewState === 'unreviewed' && team.hidesVotes()) {
        // double review: the second reviewer decides without seeing the first's vote
        const me = by()
        return { ...p, history: p.history.filter((h) => h.action !== 'vote' || h.by === me) }
      }
      return p
    },
    'plates.confirm': (req) => reviewed(team.decide(req.id, { kind: 'confirm' }, by(), () => writer.confirm(req.id, by()))),
    'plates.correct': (req) => reviewed(team.decide(req.id, { kind: 'correct', text: req.text }, by(), () => writer.correct(req.id, req.text, by()))),
    'plates.reject': (req) => reviewed(team.decide(req.id, { kind: 'reject' }, by(), () => writer.reject(req.id, by()))),
    'plates.setBox': (req) => reviewed(writer.setBox(req.id, req.box, by())),
    'plates.setCorners': (req) => reviewed(writer.setCorners(req.id, req.corners as Quad | null, by())),
    'plates.add': (req) => reviewed(writer.add(req.mediaId, req.frameIdx, req.box, req.text, by(), req.illegible)),
    'plates.illegible': (req) => reviewed(team.decide(req.id, { kind: 'illegible' }, by(), () => writer.illegible(req.id, by()))),
    'plates.bulkConfirm': (req) => {
      team.checkBulk()
      // plates other reviewers hold are left to them (team mode)
      const res = writer.bulkConfirm(req.filter, req.minConfidence, by(), team.scope({ ...req.filter, state: 'all' }, by(), true))
      if (res.count) emit('library.changed', { reason: 'review' })
      return res
    },
    'history.undo': (req) => {
      const res = writer.undo(req.historyId, by())
      if (res.undone) emit('library.changed', { reason: 'undo', plateIds: res.plateIds })
      return res
    },
    'history.list': (req) => {
      const { offset, limit, ...filter } = req
      return reader.historyItems(filter, offset, limit, team.hidesVotes() ? by() : undefined)
    },
    'tracks.list': (req) => {
      if (!reader.getMedia(req.mediaId)) throw apiError('not-found', `media ${req.mediaId} not found`)
      return reader.listTracks(req.mediaId)
    },
    'tracks.frames': (req) => {
      if (!reader.trackExists(req.trackId)) throw apiError('not-found', `track ${req.trackId} not found`)
      return reader.trackFrames(req.trackId)
    },
    'tracks.split': (req) => {
      const trackIds = writer.splitTrack(req.trackId, req.atFrame, by())
      emit('library.changed', { reason: 'tracks', plateIds: trackPlates(trackIds) })
      return { trackIds }
    },
    'tracks.merge': (req) => {
      const plates = trackPlates(req.trackIds) // the merged-away plates go: the UI drops them
      const trackId = writer.mergeTracks(req.trackIds, by())
      emit('library.changed', { reason: 'tracks', plateIds: plates })
      return { trackId }
    },
    'tracks.setText': (req) => reviewedTrack(writer.setTrackText(req.trackId, req.text, by())),
    'tracks.confirm': (req) => reviewedTrack(writer.confirmTrack(req.trackId, by())),
    'settings.get': () => reader.settings(),
    'settings.set': (req) => {
      checkModelSelection(req)
      team.checkSettingsChange(req)
      const s = writer.setSettings(req)
      emit('library.changed', { reason: 'settings' })
      return s
    },
    'review.lease': (req) => team.lease(req.ids, by()),
    'review.next': (req) => team.next(req.filter, req.sort, req.count, by()),
    'review.agreement': () => team.agreement()
  }
  return { handlers, queue, dispose: async () => void (await Promise.all([queue.close(), workQueue.close()])) }
}

export function createLibraryHandlers(ctx: LibraryContext): LibraryHandlers {
  return createLibraryService(ctx).handlers
}

/** the first of the media's known paths that still exists */
function existingPath(library: Library, mediaId: number, path: string): string {
  if (existsSync(path)) return path
  for (const p of library.reader.mediaPaths(mediaId)) if (existsSync(p)) return p
  throw apiError('io', `${path}: file not found (moved or deleted since import)`)
}

/** The file of a library video for the player, or null when `mediaId` is no video of this library or every
 *  path it was imported from is gone: only files the library knows are ever served. */
export function videoFile(library: Library, mediaId: number): string | null {
  const media = library.reader.getMedia(mediaId)
  if (!media || media.kind !== 'video') return null
  try {
    return existingPath(library, mediaId, media.path)
  } catch {
    return null
  }
}

/** Where frame `frameIdx` of a video lies (s): its sampled frame's time, else idx / fps; 'not-found' for an
 *  index past the end (or any index but 0 when the frame rate is unknown). */
function videoFrameTime(library: Library, media: { id: number; fps: number | null; durationS: number | null }, frameIdx: number): number {
  const frame = library.reader.getFrame(media.id, frameIdx)
  if (frame?.timeS != null) return frame.timeS
  if (frameIdx === 0) return 0
  const timeS = media.fps ? frameIdx / media.fps : null
  if (timeS == null || (media.durationS != null && timeS >= media.durationS)) {
    throw apiError('not-found', `frame ${frameIdx} of media ${media.id} not found${media.durationS != null ? ` (the video is ${media.durationS.toFixed(1)} s long)` : ''}`)
  }
  return timeS
}

/** A frame of an image or video (optionally a crop of it, in source pixels) as a JPEG data: URL that
 *  fits in maxSize x maxSize. Decoding is size-bounded: images stream through libvips (shrink-on-load
 *  where the format has it), video frames are cropped and scaled inside ffmpeg. */
export async function mediaImage(
  library: Library,
  mediaId: number,
  frameIdx = 0,
  crop?: Box,
  maxSize = 1280
): Promise<{ dataUrl: string; width: number; height: number }> {
  const media = library.reader.getMedia(mediaId)
  if (!media) throw apiError('not-found', `media ${mediaId} not found`)
  const path = existingPath(library, mediaId, media.path)
  let jpeg: { data: Buffer; width: number; height: number }
  try {
    if (media.kind === 'image') {
      if (frameIdx !== 0) throw apiError('not-found', `image ${mediaId} has only frame 0`)
      jpeg = await previewImageFile(path, { crop, maxSide: maxSize })
    } else {
      const timeS = videoFrameTime(library, media, frameIdx)
      const img = await grabFrame(path, timeS, { crop, maxSide: maxSize }).catch((err: Error) => {
        // past the end of a video whose duration is unknown: the frame does not exist
        if (frameIdx > 0 && /no frame at/.test(err.message)) throw apiError('not-found', `frame ${frameIdx} of media ${mediaId} not found`)
        throw err
      })
      // crops come back at source size (or less): enlarge them to maxSize like image crops
      const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
        .resize({ width: maxSize, height: maxSize, fit: 'inside', withoutEnlargement: !crop })
        .jpeg({ quality: 85 })
        .toBuffer({ resolveWithObject: true })
      jpeg = { data, width: info.width, height: info.height }
    }
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'invalid-request' || code === 'not-found') throw apiError(code, (err as Error).message)
    const msg = (err as Error).message
    throw apiError('io', msg.includes(path) ? msg : `${path}: cannot decode (${msg})`)
  }
  return { dataUrl: `data:image/jpeg;base64,${jpeg.data.toString('base64')}`, width: jpeg.width, height: jpeg.height }
}
