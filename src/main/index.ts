/**
 * Electron main process: a thin shell over the station core. Builds config from Electron's userData,
 * starts the station, opens a window on the station's own URL, and stops the station before quitting.
 */
import { app, BrowserWindow, screen, shell } from 'electron'
import { join } from 'node:path'
import { isParticipantScreenUrl, isStationCertificate, isStationUrl, participantWindowPlacement } from './participant-window'
import { createStation, loadConfig, VIGIL_VERSION, type Station } from '../station'

let station: Station | null = null

async function boot(): Promise<void> {
  const config = loadConfig({
    base: { dataDir: app.getPath('userData'), server: { rendererDir: join(__dirname, '../renderer') } }
  })
  station = createStation(config)
  await station.start()
  // Bound beyond loopback the station serves HTTPS with a certificate no browser trusts yet; its own
  // windows accept exactly that certificate (by fingerprint), nothing else.
  const started = station
  app.on('certificate-error', (event, _webContents, url, _error, certificate, callback) => {
    if (!isStationCertificate(url, certificate.fingerprint, started.url, started.tls?.fingerprintSha256 ?? null)) return callback(false)
    event.preventDefault()
    callback(true)
  })
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    backgroundColor: '#0f1419',
    title: 'Vigil',
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      additionalArguments: [`--vigil-station-url=${station.url}`, `--vigil-version=${VIGIL_VERSION}`]
    }
  })
  const stationUrl = station.url
  // The participant's Drive page gets its own window, full screen on a second display when there is
  // one; any other link leaves the app for the system browser rather than opening inside it.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (!isParticipantScreenUrl(url, stationUrl)) {
      if (/^https?:/.test(url)) void shell.openExternal(url)
      return { action: 'deny' }
    }
    const operatorDisplay = screen.getDisplayMatching(window.getBounds())
    const placement = participantWindowPlacement(screen.getAllDisplays(), operatorDisplay.id)
    return {
      action: 'allow',
      overrideBrowserWindowOptions: {
        ...placement,
        backgroundColor: '#0f1419',
        title: 'Vigil: participant screen',
        autoHideMenuBar: true,
        webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false }
      }
    }
  })
  // A link that would take the operator's window off the station opens in the system browser instead.
  window.webContents.on('will-navigate', (event, url) => {
    if (isStationUrl(url, stationUrl)) return
    event.preventDefault()
    if (/^https?:/.test(url)) void shell.openExternal(url)
  })
  await window.loadURL(stationUrl)
}

app.whenReady().then(boot, (err: unknown) => {
  console.error(err)
  app.exit(1)
})

let quitting = false
app.on('before-quit', (event) => {
  if (quitting || !station?.isRunning) return
  event.preventDefault()
  quitting = true
  void station.stop().finally(() => app.quit())
})

app.on('window-all-closed', () => app.quit())
