import { describe, expect, it } from 'vitest'
import { createHash, X509Certificate } from 'node:crypto'
import { isParticipantScreenUrl, isStationCertificate, isStationUrl, participantWindowPlacement } from '../../src/main/participant-window'
import { generateCertificate } from '../../src/station/server/tls'

describe('desktop app: the participant screen window', () => {
  const laptop = { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 } }
  const monitor = { id: 2, bounds: { x: 1920, y: -200, width: 2560, height: 1440 } }

  it('goes full screen on a display other than the operator\u2019s', () => {
    expect(participantWindowPlacement([laptop, monitor], 1)).toEqual({ ...monitor.bounds, fullscreen: true })
    expect(participantWindowPlacement([laptop, monitor], 2)).toEqual({ ...laptop.bounds, fullscreen: true })
  })

  it('is a centred window on the only display, never larger than it', () => {
    expect(participantWindowPlacement([laptop], 1)).toEqual({ x: 320, y: 140, width: 1280, height: 800, fullscreen: false })
    expect(participantWindowPlacement([{ id: 1, bounds: { x: 0, y: 0, width: 1024, height: 600 } }], 1)).toEqual({ x: 0, y: 0, width: 1024, height: 600, fullscreen: false })
  })

  it('opens only the station\u2019s own Drive pages inside the app', () => {
    const station = 'http://127.0.0.1:8787'
    expect(isParticipantScreenUrl('http://127.0.0.1:8787/drive/01a2-x', station)).toBe(true)
    expect(isParticipantScreenUrl('http://127.0.0.1:8787/sessions/01a2-x', station)).toBe(false)
    expect(isParticipantScreenUrl('http://evil.example/drive/01a2-x', station)).toBe(false)
    expect(isParticipantScreenUrl('http://127.0.0.1:9999/drive/x', station)).toBe(false)
    expect(isParticipantScreenUrl('not a url', station)).toBe(false)
    // The operator's own window stays on the station, whatever the page.
    expect(isStationUrl('http://127.0.0.1:8787/docs', station)).toBe(true)
    expect(isStationUrl('https://github.com/', station)).toBe(false)
  })

  it("accepts exactly the station's own certificate, and only for the station's origin", () => {
    const { cert } = generateCertificate(['127.0.0.1'], Date.now(), 'test')
    const x509 = new X509Certificate(cert)
    const electron = `sha256/${createHash('sha256').update(x509.raw).digest('base64')}`
    const station = 'https://127.0.0.1:8787'
    expect(isStationCertificate(`${station}/sessions`, electron, station, x509.fingerprint256)).toBe(true)
    expect(isStationCertificate('https://elsewhere.example/', electron, station, x509.fingerprint256)).toBe(false)
    expect(isStationCertificate(`${station}/`, `sha256/${createHash('sha256').update('other').digest('base64')}`, station, x509.fingerprint256)).toBe(false)
    expect(isStationCertificate(`${station}/`, electron, station, null)).toBe(false)
  })
})
