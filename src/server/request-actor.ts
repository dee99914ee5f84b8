/**
 * Who made a request, as recorded with analyses and in the audit log. This is the seam between the
 * HTTP layer and identity: the security layer authenticates every request in its own hooks and
 * records the user on the request; routes read it only through this function. Without identity
 * configured (single-user mode on loopback) the actor is `local`; on a public route called
 * anonymously it is null.
 */
import type { FastifyRequest } from 'fastify';

export function requestActor(request: FastifyRequest): string | null {
  return request.principal?.id ?? null;
}
