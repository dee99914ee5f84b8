/**
 * Who made a request, as recorded with analyses and in the audit log: the principal the security
 * layer (plugins/access-control.ts) authenticated for it. In single-user mode that is the local
 * user; before authentication ran, nobody.
 */
import type { FastifyRequest } from 'fastify';

export function requestActor(request: FastifyRequest): string | null {
  return request.principal?.id ?? null;
}
