/**
 * Who made a request, as recorded with analyses and in the audit log. This is the seam between the
 * HTTP layer and identity: the security layer authenticates every request in its own hooks and
 * records the user on the request; routes read it only through this function. Without identity
 * configured (single-user mode on loopback) there is no user and the actor is null.
 */
import type { FastifyRequest } from 'fastify';

export function requestActor(request: FastifyRequest): string | null {
  const user = (request as FastifyRequest & { user?: { id?: unknown } | null }).user;
  return typeof user?.id === 'string' ? user.id : null;
}
