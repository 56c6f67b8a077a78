// The typed channel map shared by the Electron main process (ipc/*.ts) and the preload. No runtime
// imports: the sandboxed preload bundle may only require 'electron'.
import type { Channel, EventName } from '../../shared/api'

/** ipcMain.handle channel for an API channel */
export const ipcChannel = (channel: Channel): string => `api:${channel}`
/** the one IPC channel that carries every backend event as (name, payload) */
export const IPC_EVENT = 'api:event'

/** Every API channel, by handler group; one ipc/<group>.ts registers each group. */
export const channelGroups = {
  app: ['app.info', 'models.status', 'models.download', 'dialog.openFolder', 'models.add', 'models.remove'],
  library: [
    'library.stats',
    'library.import',
    'import.status',
    'import.pause',
    'import.resume',
    'import.cancel',
    'import.failures',
    'import.cancelScan',
    'import.duplicates',
    'media.list',
    'media.image',
    'import.workQueue'
  ],
  review: [
    'plates.list',
    'plates.get',
    'plates.confirm',
    'plates.correct',
    'plates.reject',
    'plates.setBox',
    'plates.setCorners',
    'plates.add',
    'plates.illegible',
    'plates.bulkConfirm',
    'history.undo',
    'history.list',
    'tracks.list',
    'tracks.frames',
    'tracks.split',
    'tracks.merge',
    'tracks.setText',
    'tracks.confirm',
    'review.lease',
    'review.next',
    'review.agreement'
  ],
  settings: ['settings.get', 'settings.set', 'rules.list', 'rules.get', 'rules.save', 'rules.delete', 'users.list', 'users.add', 'users.setRole', 'users.setPassword', 'users.remove'],
  training: ['export.run', 'export.status', 'eval.run', 'eval.compare', 'train.check', 'train.start', 'train.status', 'train.cancel', 'train.log', 'train.adopt']
} as const satisfies Record<string, readonly Channel[]>

export type ChannelGroup = keyof typeof channelGroups
type Grouped = (typeof channelGroups)[ChannelGroup][number]
// Compile-time check: every channel of the contract belongs to a group.
const _everyChannelGrouped: [Exclude<Channel, Grouped>] extends [never] ? true : ['ungrouped', Exclude<Channel, Grouped>] = true
void _everyChannelGrouped

export const allChannels: readonly Channel[] = Object.values(channelGroups).flat()

/** Event names, duplicated here (not imported from api.ts) to keep zod out of the preload bundle. */
export const ipcEventNames = ['import.progress', 'library.changed', 'export.progress', 'models.progress', 'import.scan', 'train.progress'] as const satisfies readonly EventName[]
const _everyEventListed: [Exclude<EventName, (typeof ipcEventNames)[number]>] extends [never] ? true : never = true
void _everyEventListed

/** What an ipcMain.handle returns: errors travel as data because Electron drops custom error fields. */
export type IpcResult = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } }
