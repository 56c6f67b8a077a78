// TLS material for a team server: the PEM files given with --tls-cert/--tls-key, or a self-signed
// certificate made once with the system's openssl (a quick start on a LAN: browsers warn until people
// trust it; a certificate from the organisation's CA is the real thing).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join } from 'node:path'

export interface TlsFiles {
  cert: Buffer
  key: Buffer
  certFile: string
  keyFile: string
}

export function readTlsFiles(certFile: string, keyFile: string): TlsFiles {
  const read = (file: string, what: string, marker: RegExp): Buffer => {
    let data: Buffer
    try {
      data = readFileSync(file)
    } catch (err) {
      throw new Error(`${what} ${file}: ${(err as Error).message}`)
    }
    if (!marker.test(data.toString('latin1'))) throw new Error(`${what} ${file}: not a PEM file (no ${marker.source.replace(/\\/g, '')} block)`)
    return data
  }
  return {
    cert: read(certFile, '--tls-cert', /-----BEGIN CERTIFICATE-----/),
    key: read(keyFile, '--tls-key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/),
    certFile,
    keyFile
  }
}

/** The self-signed certificate in dir (made on first use, valid 825 days, for these names and addresses). */
export function selfSignedCert(dir: string, names: string[]): TlsFiles {
  const certFile = join(dir, 'self-signed-cert.pem')
  const keyFile = join(dir, 'self-signed-key.pem')
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const san = [...new Set(['localhost', '127.0.0.1', ...names])]
      .filter((n) => n && n !== '0.0.0.0' && n !== '::')
      .map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`))
      .join(',')
    try {
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '825', '-subj', '/CN=PlateDesk team server',
          '-addext', `subjectAltName=${san}`, '-keyout', keyFile, '-out', certFile],
        { stdio: ['ignore', 'ignore', 'pipe'], umask: 0o077 } as Parameters<typeof execFileSync>[2]
      )
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim()
      throw new Error(`could not make a self-signed certificate with openssl (${stderr || (err as Error).message}); install openssl or give --tls-cert and --tls-key`)
    }
  }
  return readTlsFiles(certFile, keyFile)
}
