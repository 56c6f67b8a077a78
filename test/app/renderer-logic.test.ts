// The renderer's pure logic: routes, key combos, API error decoding (what crosses Electron's bridge).
import { describe, expect, it } from 'vitest'
import { parseHash, routeHash } from '../../src/renderer/src/nav'
import { matches, parseCombo } from '../../src/renderer/src/hooks/useShortcut'
import { ApiError } from '../../src/renderer/src/api/errors'
import { normalizePlate } from '../../src/renderer/src/screens/Review/normalize'
import { newerProgress } from '../../src/renderer/src/screens/Library/progressOrder'
import type { ImportProgress } from '../../src/shared/types'

const key = (k: Partial<KeyboardEvent>): KeyboardEvent =>
  ({ ctrlKey: false, altKey: false, shiftKey: false, metaKey: false, key: '', code: '', ...k }) as KeyboardEvent

describe('routes', () => {
  it('round-trips screens, plates and media through the hash', () => {
    expect(parseHash('#/plate/42')).toEqual({ screen: 'history', plateId: 42 })
    expect(parseHash('#/review?media=3&plate=9')).toMatchObject({ screen: 'review', mediaId: 3, plateId: 9 })
    expect(parseHash('#/video?media=7&track=2')).toMatchObject({ screen: 'video', mediaId: 7, trackId: 2 })
    expect(parseHash('')).toMatchObject({ screen: 'library' })
    expect(parseHash('#/nonsense')).toMatchObject({ screen: 'library' })
    for (const h of ['#/plate/42', '#/review?media=3&plate=9', '#/video?media=7&track=2', '#/settings']) expect(routeHash(parseHash(h))).toBe(h)
  })
})

describe('shortcuts', () => {
  it('matches modifiers exactly and digits by physical key (Alt+1 on any layout)', () => {
    expect(matches(key({ key: 'Enter' }), parseCombo('Enter'))).toBe(true)
    expect(matches(key({ key: 'Enter', ctrlKey: true }), parseCombo('Enter'))).toBe(false)
    expect(matches(key({ key: '¡', code: 'Digit1', altKey: true }), parseCombo('Alt+1'))).toBe(true)
    expect(matches(key({ key: '1', code: 'Numpad1', altKey: true }), parseCombo('Alt+1'))).toBe(true)
    expect(matches(key({ key: '1', code: 'Digit1' }), parseCombo('Alt+1'))).toBe(false)
    expect(matches(key({ key: 'z', code: 'KeyZ', ctrlKey: true }), parseCombo('Ctrl+Z'))).toBe(true)
    expect(matches(key({ key: 'Z', code: 'KeyZ', ctrlKey: true, shiftKey: true }), parseCombo('Ctrl+Z'))).toBe(false)
    expect(matches(key({ key: 'b', code: 'KeyB' }), parseCombo('B'))).toBe(true)
    expect(matches(key({ key: 'ArrowDown', altKey: true }), parseCombo('Alt+ArrowDown'))).toBe(true)
    expect(matches(key({ key: 'Backspace', ctrlKey: true }), parseCombo('Ctrl+Backspace'))).toBe(true)
  })
})

describe('API errors', () => {
  it('recovers the code from an Electron bridge message', () => {
    const e = ApiError.from(new Error("Error invoking remote method 'api:plates.get': Error: not-found: plate 9 not found"))
    expect(e).toMatchObject({ code: 'not-found', message: 'plate 9 not found' })
    expect(ApiError.from(new Error('conflict: changed since'))).toMatchObject({ code: 'conflict' })
    expect(ApiError.from(new Error('something: else'))).toMatchObject({ code: 'internal', message: 'something: else' })
  })
})

describe('plate text', () => {
  it('normalizes typing to what the backend stores', () => {
    expect(normalizePlate('b 21 gsb')).toBe('B21GSB')
    // Unicode plates are kept whole: case and spaces are all that change, nothing is cut at 16
    expect(normalizePlate('в75 мсу')).toBe('В75МСУ')
    expect(normalizePlate('ab.12 cd ä')).toBe('AB.12CDÄ')
    expect(normalizePlate('ß')).toBe('ß')
    expect(normalizePlate('abcdefghijklmnopqrstuvwxyz')).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZ')
  })

  it('a two-row plate is typed as TOP/BOTTOM: the "/" stays while typing, the backend makes it a row break', () => {
    expect(normalizePlate('abc/')).toBe('ABC/')
    expect(normalizePlate('abc / 12 34')).toBe('ABC/1234')
  })
})

describe('candidates', () => {
  it('offers distinct texts: the first three, then only likely ones, at most nine', async () => {
    const { candidateChoices } = await import('../../src/renderer/src/screens/Review/normalize')
    const c = (plate: string, confidence: number) => ({ plate, confidence })
    expect(candidateChoices([c('AB1', 0.9), c('AB1', 0.05), c('ab1 ', 0.05), c('A81', 0.004), c('', 0.5), c('AB7', 0.003), c('ABI', 0.02), c('XB1', 0.001)]).map((x) => x.plate)).toEqual([
      'AB1',
      'A81',
      'AB7',
      'ABI'
    ])
    expect(candidateChoices(Array.from({ length: 20 }, (_, i) => c(`P${i}`, 0.5)))).toHaveLength(9)
  })
})

describe('import progress order', () => {
  const snap = (jobId: number, state: ImportProgress['state'], filesDone: number): ImportProgress => ({
    jobId, state, filesTotal: 4, filesDone, filesFailed: 0, filesDuplicate: 0, platesFound: 0, currentFile: null, filesPerSecond: 0, etaSeconds: null
  })
  it('a status answered late (asked at 1/4) never replaces the finished job it lands after', () => {
    expect(newerProgress(snap(2, 'done', 4), snap(2, 'running', 1))).toMatchObject({ state: 'done', filesDone: 4 })
    expect(newerProgress(snap(2, 'running', 3), snap(2, 'running', 1))).toMatchObject({ filesDone: 3 })
    expect(newerProgress(snap(2, 'done', 4), snap(1, 'running', 1))).toMatchObject({ jobId: 2 })
  })
  it('newer jobs, progress, pause, resume and cancel still come through', () => {
    expect(newerProgress(null, snap(1, 'running', 0))).toMatchObject({ jobId: 1 })
    expect(newerProgress(snap(1, 'done', 4), snap(2, 'running', 0))).toMatchObject({ jobId: 2 })
    expect(newerProgress(snap(2, 'running', 1), snap(2, 'paused', 1))).toMatchObject({ state: 'paused' })
    expect(newerProgress(snap(2, 'paused', 1), snap(2, 'running', 1))).toMatchObject({ state: 'running' })
    expect(newerProgress(snap(2, 'running', 2), snap(2, 'cancelled', 2))).toMatchObject({ state: 'cancelled' })
    expect(newerProgress(snap(2, 'running', 2), null)).toMatchObject({ filesDone: 2 })
  })
})
