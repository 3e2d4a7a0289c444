/**
 * Records an audit row for a REST or WebSocket request: the actor is the signed-in user and the
 * client address Fastify's (`trustProxy` decides whether X-Forwarded-For counts). One line per call site.
 */
import type { FastifyRequest } from 'fastify'
import type { AuditActor, AuditEntry } from '../audit'

/** `actor`: for WebSocket upgrades, whose user comes from the upgrade's token rather than `request.user`. */
export function auditRequest(
  request: FastifyRequest,
  action: AuditEntry['action'],
  target?: AuditEntry['target'],
  detail?: AuditEntry['detail'],
  actor: AuditActor | null = request.user as FastifyRequest['user'] | null
): void {
  request.server.ctx.audit.record({ action, actor: actor ? { id: actor.id, email: actor.email } : null, target, clientAddress: request.ip ?? null, detail })
}
