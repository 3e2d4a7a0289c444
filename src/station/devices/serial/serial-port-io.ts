/** Small helpers around opening and closing a serial port: bounded close steps, what a path is, error codes. */
import { stat } from 'node:fs/promises'
import { SerialPort } from 'serialport'
import { isVigilError, VigilError } from '../../../shared/errors'

const CLOSE_STEP_TIMEOUT_MS = 1000

/** A wedged port must not wedge disconnect(): give each close step a bounded time. */
export function withTimeout(work: Promise<void>, ms = CLOSE_STEP_TIMEOUT_MS): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    void work.then(() => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** A directory or a regular file exists but will never become a serial port: say so instead of waiting for it. */
export async function rejectNonDevice(path: string): Promise<void> {
  if (process.platform === 'win32') return
  let info
  try {
    info = await stat(path)
  } catch {
    return // missing: the open reports DEVICE_PORT_NOT_FOUND
  }
  if (info.isDirectory()) throw new VigilError('DEVICE_PROTOCOL_ERROR', `${path} is a directory, not a serial port`, { path })
  if (info.isFile()) throw new VigilError('DEVICE_PROTOCOL_ERROR', `${path} is a regular file, not a serial port`, { path })
}

export function toDeviceError(err: unknown, path: string | undefined): VigilError {
  if (isVigilError(err)) return err
  const message = err instanceof Error ? err.message : String(err)
  if (/EISDIR|Is a directory/i.test(message)) return new VigilError('DEVICE_PROTOCOL_ERROR', `${path ?? ''} is a directory, not a serial port`, { path })
  if (/ENOENT|No such file|File not found/i.test(message)) return new VigilError('DEVICE_PORT_NOT_FOUND', `Serial port ${path ?? ''} not found`, { path })
  if (/EBUSY|lock|EACCES|Permission denied/i.test(message)) return new VigilError('DEVICE_PORT_BUSY', `Serial port ${path ?? ''} is busy or not permitted: ${message}`, { path })
  return new VigilError('DEVICE_PROTOCOL_ERROR', `Could not open ${path ?? 'the serial port'}: ${message}`, { path })
}

export function openSerialPort(path: string, baudRate: number): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate, autoOpen: false })
  return new Promise((resolve, reject) => {
    port.open((err) => (err ? reject(err) : resolve(port)))
  })
}

/** ASYNC_LOW_LATENCY makes ftdi_sio use a 1 ms latency timer instead of 16 ms (no root needed). Linux only; whether it took. */
export async function requestLowLatency(port: SerialPort): Promise<boolean | null> {
  if (process.platform !== 'linux') return null
  return new Promise<boolean>((resolve) => {
    // lowLatency is a Linux-binding extension of the set options.
    port.set({ lowLatency: true } as Parameters<SerialPort['set']>[0], (err) => resolve(!err))
  })
}

/** Detaches every listener, sends `stopCommand` when given, and closes; each step bounded in time. */
export async function closeSerialPort(port: SerialPort, stopCommand: string | undefined): Promise<void> {
  port.removeAllListeners('data')
  port.removeAllListeners('close')
  port.removeAllListeners('error')
  // A late error from a closing port must not become an unhandled 'error' event.
  port.on('error', () => {})
  if (!port.isOpen) return
  if (stopCommand) await withTimeout(new Promise<void>((resolve) => port.write(stopCommand, () => port.drain(() => resolve()))))
  await withTimeout(new Promise<void>((resolve) => port.close(() => resolve())))
}
