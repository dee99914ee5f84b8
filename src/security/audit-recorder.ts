/**
 * The report area's audit port (src/reports/audit.ts) written into the hash-chained audit log, so
 * views, exports, reviews, sign-offs and FHIR deliveries share one verifiable chain.
 */
import type { AuditRecorder } from '../reports/audit.js';
import type { AuditActor } from './audit.service.js';
import type { SecurityService } from './security.service.js';

export function createChainAuditRecorder(security: SecurityService): AuditRecorder {
  return {
    async record(entry) {
      let actor: AuditActor | null = null;
      if (entry.actor === 'local') actor = { id: 'local', name: 'local user', method: 'single-user' };
      else if (entry.actor) {
        const user = await security.users.get(entry.actor);
        actor = { id: entry.actor, name: user?.username ?? entry.actor, method: user?.source ?? 'unknown' };
      }
      await security.audit.record({
        action: entry.action,
        outcome: entry.outcome,
        actor,
        target: entry.target,
        ip: entry.from ?? null,
        ...(entry.details ? { details: entry.details } : {}),
      });
    },
  };
}
