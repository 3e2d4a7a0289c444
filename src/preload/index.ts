/**
 * Electron preload (sandboxed, CommonJS): exposes `window.vigil`, never raw ipcRenderer.
 */
import { contextBridge } from 'electron'
import type { VigilDesktopApi } from './api'

const stationUrl = process.argv.find((a) => a.startsWith('--vigil-station-url='))?.split('=')[1] ?? ''
const appVersion = process.argv.find((a) => a.startsWith('--vigil-version='))?.split('=')[1] ?? ''

const api: VigilDesktopApi = {
  stationUrl,
  appVersion
}

contextBridge.exposeInMainWorld('vigil', api)
