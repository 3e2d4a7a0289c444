/**
 * Structured logging (pino). Tokens never reach a log line: query-string `token=` values, one-time
 * download link ids (`/downloads/<id>`) and Authorization headers are redacted here, in one place.
 */
import pino, { type Logger } from 'pino'

export type { Logger }

const TOKEN_IN_QUERY = /([?&](?:token|access_token|refresh_token)=)[^&]*/gi
const DOWNLOAD_LINK = /(\/downloads\/)[^/?#]+/g

export function redactUrl(url: string): string {
  return url.replace(TOKEN_IN_QUERY, '$1[redacted]').replace(DOWNLOAD_LINK, '$1[redacted]')
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'vigil' },
      redact: { paths: ['req.headers.authorization', 'req.headers["sec-websocket-protocol"]', '*.password', '*.refresh_token'], censor: '[redacted]' },
      serializers: {
        req(req: { method?: string; url?: string; ip?: string; id?: string }) {
          return { id: req.id, method: req.method, url: req.url ? redactUrl(req.url) : req.url, ip: req.ip }
        }
      }
    },
    destination
  )
}
