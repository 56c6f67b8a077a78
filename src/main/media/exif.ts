// Capture time and GPS position from a photo's EXIF (exifr), when present. Never throws: a photo
// without (or with broken) EXIF simply has no capture time.
import exifr from 'exifr'

export interface ExifInfo {
  capturedAt: string | null
  lat: number | null
  lon: number | null
}

const NONE: ExifInfo = { capturedAt: null, lat: null, lon: null }

function iso(v: unknown): string | null {
  if (v instanceof Date && !isNaN(v.getTime())) return v.toISOString()
  if (typeof v === 'string') {
    // "2024:05:01 10:00:00" as some writers leave it
    const m = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(v)
    const d = m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`) : new Date(v)
    return isNaN(d.getTime()) ? null : d.toISOString()
  }
  return null
}

/** from a file's path, or from its bytes already in memory (no second read) */
export async function readExif(input: string | Uint8Array): Promise<ExifInfo> {
  try {
    const data = (await exifr.parse(input, {
      tiff: true,
      exif: true,
      gps: true,
      ifd1: false,
      xmp: false,
      icc: false,
      iptc: false,
      jfif: false,
      ihdr: false,
      pick: ['DateTimeOriginal', 'CreateDate', 'ModifyDate', 'GPSLatitude', 'GPSLongitude', 'GPSLatitudeRef', 'GPSLongitudeRef', 'latitude', 'longitude']
    })) as Record<string, unknown> | undefined
    if (!data) return NONE
    const capturedAt = iso(data.DateTimeOriginal) ?? iso(data.CreateDate) ?? iso(data.ModifyDate)
    const lat = typeof data.latitude === 'number' && Number.isFinite(data.latitude) ? data.latitude : null
    const lon = typeof data.longitude === 'number' && Number.isFinite(data.longitude) ? data.longitude : null
    return { capturedAt, lat, lon }
  } catch {
    return NONE
  }
}
