/** The audit trail: one writer (`createAuditLog`), its queries and its CSV. */
export { createAuditLog, recordSettingsAtStart, sanitizeDetail, sessionAuditAction, type AuditActor, type AuditEntry, type AuditLog } from './audit.service'
export { iterateAudit, queryAuditPage } from './audit.repository'
export { auditCsvLines } from './audit-csv'
