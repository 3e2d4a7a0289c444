/**
 * Where the desktop app puts the participant's Drive page: full screen on a display other than the
 * operator's, or a normal window on the only display. Pure (no `electron` import), so it is tested in
 * plain Node; src/main/index.ts feeds it Electron's `screen` data.
 */
export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

export interface DisplayInfo {
  id: number
  bounds: Rect
}

/** Whether `url` belongs to the station at `stationUrl`; the app's windows never navigate anywhere else. */
export function isStationUrl(url: string, stationUrl: string): boolean {
  try {
    return new URL(url).origin === new URL(stationUrl).origin
  } catch {
    return false
  }
}

/** Whether `url` is a Drive page of the station at `stationUrl` (anything else opens in the system browser). */
export function isParticipantScreenUrl(url: string, stationUrl: string): boolean {
  return isStationUrl(url, stationUrl) && new URL(url).pathname.startsWith('/drive/')
}

export function participantWindowPlacement(displays: readonly DisplayInfo[], operatorDisplayId: number): Rect & { fullscreen: boolean } {
  const other = displays.find((d) => d.id !== operatorDisplayId)
  if (other) return { ...other.bounds, fullscreen: true }
  const only = displays.find((d) => d.id === operatorDisplayId)?.bounds ?? { x: 0, y: 0, width: 1280, height: 800 }
  const width = Math.min(1280, only.width)
  const height = Math.min(800, only.height)
  return { x: only.x + Math.round((only.width - width) / 2), y: only.y + Math.round((only.height - height) / 2), width, height, fullscreen: false }
}

/**
 * Whether a certificate Chromium refused is the one this station serves: Electron gives its
 * fingerprint as `sha256/<base64 of the certificate's SHA-256>`, the station as `AB:CD:…` hex.
 * Only then may the operator's own windows accept it, and only for the station's origin.
 */
export function isStationCertificate(url: string, electronFingerprint: string, stationUrl: string, stationFingerprintSha256: string | null): boolean {
  if (!stationFingerprintSha256 || !isStationUrl(url, stationUrl)) return false
  const hex = stationFingerprintSha256.replace(/:/g, '')
  const base64 = btoa(String.fromCharCode(...(hex.match(/../g) ?? []).map((byte) => parseInt(byte, 16))))
  return electronFingerprint === `sha256/${base64}`
}
