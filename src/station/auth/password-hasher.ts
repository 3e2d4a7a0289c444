/**
 * bcrypt (bcryptjs) off the event loop: a small pool of `worker_threads` (2 by default) runs
 * `hashSync`/`compareSync`, so a burst of logins cannot stall serial reads and WebSocket fan-out
 * (bcryptjs's own async API still blocks ~100 ms per chunk; measured in bench/auth.bench.ts).
 *
 * The worker is an inline CommonJS string run with `eval: true` rather than a separate file: a .ts
 * worker file would need tsx's loader inside the worker under `npm run station`, vitest does not
 * transform worker entry files, and electron-vite would have to emit it as its own chunk. An eval
 * worker needs none of that; it loads bcryptjs by the absolute path resolved here, which works
 * wherever the main thread itself can resolve the package.
 *
 * Passwords are pre-hashed before bcrypt: base64(HMAC-SHA-384(password)) is 64 ASCII characters,
 * under bcrypt's 72-byte input limit and free of NUL bytes, so every character of a 128-character
 * password counts (bcrypt alone would silently ignore everything past byte 72).
 */
import { createHmac } from 'node:crypto'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const bcrypt = require(workerData.bcryptPath)
if (workerData.niceness) {
  try { require('node:os').setPriority(0, workerData.niceness) } catch {}
}
parentPort.on('message', (job) => {
  try {
    const result = job.op === 'hash' ? bcrypt.hashSync(job.input, job.cost) : bcrypt.compareSync(job.input, job.hash)
    parentPort.postMessage({ id: job.id, result })
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String(err && err.message || err) })
  }
})
`

/**
 * On Linux the nice value is per thread and `setpriority(PRIO_PROCESS, 0)` applies to the calling
 * thread only, so each worker lowers its own priority: when the cores are busy, the event loop
 * (serial reads, WebSocket fan-out) wins and logins wait. Elsewhere the same call would lower the
 * whole process, so it is skipped.
 */
const WORKER_NICENESS = process.platform === 'linux' ? 10 : 0

/** Domain separation for the pre-hash; a constant (not a secret pepper) so losing the data dir's keys cannot lock everyone out. */
const PREHASH_KEY = 'vigil-password-v1'

export function prehashPassword(password: string): string {
  return createHmac('sha384', PREHASH_KEY).update(password, 'utf8').digest('base64')
}

export interface PasswordHasher {
  /** `queue` names who asks (a client address): jobs of different queues take turns (see `pump`). */
  hash(password: string, queue?: string): Promise<string>
  /** False for a wrong password or a malformed hash; never throws for either. */
  verify(password: string, hash: string, queue?: string): Promise<boolean>
  close(): Promise<void>
}

export interface PasswordHasherOptions {
  cost: number
  workers?: number
}

type JobInput = { op: 'hash'; input: string; cost: number } | { op: 'compare'; input: string; hash: string }
type Job = JobInput & { id: number }

interface Pending {
  job: Job
  resolve(value: unknown): void
  reject(err: Error): void
}

export function createPasswordHasher(options: PasswordHasherOptions): PasswordHasher {
  const size = options.workers ?? 2
  const bcryptPath = createRequire(import.meta.url).resolve('bcryptjs')
  const idle: Worker[] = []
  const busy = new Map<Worker, Pending>()
  // One FIFO per asker, served round-robin: a burst from one address waits behind its own jobs,
  // while another user's login takes the next free worker (issue 23: a 30-request burst once made
  // an unrelated login wait 32 s).
  const queues = new Map<string, Pending[]>()
  let nextId = 1
  let workers: Worker[] = []
  let closed = false

  function spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath, niceness: WORKER_NICENESS } })
    // Idle workers must not keep the process alive (CLI commands, tests).
    worker.unref()
    worker.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
      const pending = busy.get(worker)
      busy.delete(worker)
      if (pending) {
        if (msg.error !== undefined) pending.reject(new Error(msg.error))
        else pending.resolve(msg.result)
      }
      idle.push(worker)
      pump()
    })
    worker.on('error', (err) => {
      const pending = busy.get(worker)
      busy.delete(worker)
      workers = workers.filter((w) => w !== worker)
      const idleAt = idle.indexOf(worker)
      if (idleAt >= 0) idle.splice(idleAt, 1)
      pending?.reject(err)
      if (!closed) {
        const replacement = spawn()
        idle.push(replacement)
        pump()
      }
    })
    workers.push(worker)
    return worker
  }

  /** The next job: the head of the queue that has waited longest for a turn (Map order = turn order). */
  function nextPending(): Pending | undefined {
    for (const [key, jobs] of queues) {
      const pending = jobs.shift()
      queues.delete(key)
      // Back of the line for this asker's next job.
      if (jobs.length > 0) queues.set(key, jobs)
      if (pending) return pending
    }
    return undefined
  }

  function pump(): void {
    while (queues.size > 0 && idle.length > 0) {
      const pending = nextPending()
      if (!pending) break
      const worker = idle.pop()!
      busy.set(worker, pending)
      worker.ref()
      // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a worker_threads Worker, not a window
      worker.postMessage(pending.job)
    }
    for (const worker of idle) worker.unref()
  }

  function run<T>(job: JobInput, key: string): Promise<T> {
    if (closed) return Promise.reject(new Error('password hasher is closed'))
    if (workers.length === 0) for (let i = 0; i < size; i++) idle.push(spawn())
    return new Promise<T>((resolve, reject) => {
      const pending = { job: { ...job, id: nextId++ }, resolve: resolve as (v: unknown) => void, reject }
      const jobs = queues.get(key)
      if (jobs) jobs.push(pending)
      else queues.set(key, [pending])
      pump()
    })
  }

  return {
    hash(password, key = '') {
      return run<string>({ op: 'hash', input: prehashPassword(password), cost: options.cost }, key)
    },
    async verify(password, hash, key = '') {
      if (!/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) return false
      return run<boolean>({ op: 'compare', input: prehashPassword(password), hash }, key)
    },
    async close() {
      closed = true
      for (const jobs of queues.values()) for (const pending of jobs) pending.reject(new Error('password hasher is closed'))
      queues.clear()
      await Promise.all(workers.map((w) => w.terminate()))
      workers = []
      idle.length = 0
    }
  }
}
