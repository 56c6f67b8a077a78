import { describe, expect, it } from 'vitest'
import { mapPath, parseMapping } from '../../src/main/importer/path-map'

describe('--map FROM=TO (shared folders mounted elsewhere on a worker)', () => {
  it('rewrites whole-folder prefixes, the longest first, and leaves other paths alone', () => {
    const m = ['/srv/photos=/mnt/photos', '/srv/photos/2024=/data/2024/', '/srv=/x'].map(parseMapping)
    expect(mapPath('/srv/photos/a.jpg', m)).toBe('/mnt/photos/a.jpg')
    expect(mapPath('/srv/photos/2024/b.jpg', m)).toBe('/data/2024/b.jpg')
    // a prefix of the name, not of the folder: /srv/photos-old is not under /srv/photos
    expect(mapPath('/srv/photos-old/c.jpg', m)).toBe('/x/photos-old/c.jpg')
    expect(mapPath('/home/d.jpg', m)).toBe('/home/d.jpg')
  })

  it('refuses a spec without both sides', () => {
    for (const bad of ['/a', '=/b', '/a=']) expect(() => parseMapping(bad)).toThrow(/FROM=TO/)
  })
})
