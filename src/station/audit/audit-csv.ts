/** The audit CSV: the JSON rows of `GET /audit`, one line each, in the columns of AUDIT_CSV_COLUMNS. */
import { AUDIT_CSV_COLUMNS, type AuditEventResponse } from '../../shared/schemas/audit'
import { csvField } from '../export/csv-writer'

/**
 * A cell a spreadsheet would run as a formula (a failed sign-in's "email" is whatever an attacker
 * typed) gets a leading apostrophe (OWASP "CSV injection"); the JSON keeps the text as it was.
 */
export function auditCsvCell(value: string | number | null): string {
  if (value === null) return ''
  const text = String(value)
  return csvField(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text)
}

function line(row: AuditEventResponse): string {
  return AUDIT_CSV_COLUMNS.map((c) => auditCsvCell(c === 'detail' ? JSON.stringify(row.detail) : row[c])).join(',') + '\r\n'
}

/** Header, then one CRLF-terminated line per row (RFC 4180). */
export function* auditCsvLines(rows: Iterable<AuditEventResponse>): Generator<string> {
  yield AUDIT_CSV_COLUMNS.join(',') + '\r\n'
  for (const row of rows) yield line(row)
}
