// Team-mode roles and what each may call. The server refuses a channel to a weaker role (403, naming the
// role needed); the renderer uses the same table to hide or disable what the signed-in role cannot do.
// A channel not listed here needs 'admin': a new channel is closed until someone decides otherwise.
import type { Channel } from './api'

export const ROLES = ['viewer', 'reviewer', 'admin'] as const
export type Role = (typeof ROLES)[number]

const VIEWER: Channel[] = [
  'app.info',
  'models.status',
  'library.stats',
  'import.status',
  'import.failures',
  'import.duplicates',
  'media.list',
  'media.image',
  'plates.list',
  'plates.get',
  'history.list',
  'tracks.list',
  'tracks.frames',
  'settings.get',
  'eval.run',
  'train.status',
  'train.log',
  'rules.list',
  'rules.get',
  'dialog.openFolder',
  'import.workQueue',
  'review.agreement'
]
const REVIEWER: Channel[] = [
  'plates.confirm',
  'plates.correct',
  'plates.reject',
  'plates.setBox',
  'plates.setCorners',
  'plates.add',
  'plates.illegible',
  'plates.bulkConfirm',
  'history.undo',
  'tracks.split',
  'tracks.merge',
  'tracks.setText',
  'tracks.confirm',
  'review.lease',
  'review.next'
]

const NEEDS = new Map<string, Role>([...VIEWER.map((c) => [c, 'viewer'] as const), ...REVIEWER.map((c) => [c, 'reviewer'] as const)])

/** the weakest role that may call the channel */
export function roleNeeded(channel: Channel | string): Role {
  return NEEDS.get(channel) ?? 'admin'
}

export function roleAllows(role: Role, channel: Channel | string): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(roleNeeded(channel))
}

export function isRole(v: unknown): v is Role {
  return (ROLES as readonly unknown[]).includes(v)
}
