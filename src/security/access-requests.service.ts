/**
 * Access requests: anyone may apply for access with a reason — a signed-in person without the role
 * they need, or (where local accounts are enabled) someone without an account, who chooses a
 * password now. An admin approves (granting a role, creating the account if needed) or rejects;
 * both decisions are in the audit log.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { AppError } from '../errors.js';
import type { AccessRequestsTable, Database } from '../store/schema.js';
import type { AuditDetailValue, AuditService } from './audit.service.js';
import { isoUtc, type Clock } from './clock.js';
import { assertPasswordRule, hashPassword } from './passwords.js';
import type { Principal } from './principal.js';
import { roleAtLeast, type GrantableRole } from './roles.js';
import { normaliseUsername, USERNAME_PATTERN, type UsersRepository } from './users.repository.js';

export type AccessRequestStatus = 'pending' | 'approved' | 'rejected';

export interface AccessRequest {
  id: string;
  createdAt: string;
  status: AccessRequestStatus;
  userId: string | null;
  username: string;
  displayName: string;
  email: string | null;
  reason: string;
  requestedRole: GrantableRole;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
}

type Row = Selectable<AccessRequestsTable>;

function toRequest(row: Row): AccessRequest {
  return {
    id: row.id,
    createdAt: row.created_at,
    status: row.status as AccessRequestStatus,
    userId: row.user_id,
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    reason: row.reason,
    requestedRole: row.requested_role as GrantableRole,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    decisionNote: row.decision_note,
  };
}

export interface ApplyInput {
  username?: string | undefined;
  displayName?: string | undefined;
  email?: string | undefined;
  reason: string;
  role: GrantableRole;
  password?: string | undefined;
}

interface Origin {
  ip: string;
  requestId?: string | null;
}

export class AccessRequestsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
    private readonly options: { anonymousAllowed: boolean },
  ) {}

  async apply(applicant: Principal | null, input: ApplyInput, origin: Origin): Promise<AccessRequest> {
    const now = isoUtc(this.clock.now());
    let userId: string | null = null;
    let username: string;
    let passwordHash: string | null = null;
    if (applicant && applicant.method !== 'single-user') {
      if (applicant.method === 'token' || applicant.method === 'jwt' || applicant.id.startsWith('jwt:'))
        throw new AppError('ERR_FORBIDDEN', 'Apply for access as a signed-in person');
      if (roleAtLeast(applicant.role, input.role))
        throw new AppError('ERR_CONFLICT', `You already have the ${applicant.role} role`);
      userId = applicant.id;
      username = applicant.name;
    } else if (applicant) {
      throw new AppError('ERR_CONFLICT', 'Single-user mode has no access to apply for');
    } else {
      if (!this.options.anonymousAllowed)
        throw new AppError('ERR_AUTH_REQUIRED', 'Sign in first, then apply for access');
      username = normaliseUsername(input.username ?? '');
      if (!new RegExp(USERNAME_PATTERN).test(username))
        throw new AppError('ERR_VALIDATION', 'Choose a user name of letters, digits, dots, dashes, @ or _');
      if (await this.users.findByUsername(username))
        throw new AppError('ERR_CONFLICT', 'That user name is taken');
      if (!input.password) throw new AppError('ERR_VALIDATION', 'Choose a password for the new account');
      assertPasswordRule(input.password, username);
      passwordHash = await hashPassword(input.password);
    }
    const pending = await this.db
      .selectFrom('access_requests')
      .select('id')
      .where('username', '=', username)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (pending) throw new AppError('ERR_CONFLICT', 'An application for this user is already waiting');
    const row: Row = {
      id: randomUUID(),
      created_at: now,
      status: 'pending',
      user_id: userId,
      username,
      display_name: (input.displayName ?? username).slice(0, 200),
      email: input.email ?? null,
      reason: input.reason.slice(0, 2000),
      requested_role: input.role,
      password_hash: passwordHash,
      decided_by: null,
      decided_at: null,
      decision_note: null,
    };
    await this.db.insertInto('access_requests').values(row).execute();
    await this.audit.record({
      action: 'access-request.create',
      actor: applicant ? { id: applicant.id, name: applicant.name, method: applicant.method } : null,
      target: { type: 'access-request', id: row.id },
      ip: origin.ip,
      requestId: origin.requestId ?? null,
      details: { role: input.role, newAccount: userId === null },
    });
    return toRequest(row);
  }

  async list(status?: AccessRequestStatus): Promise<AccessRequest[]> {
    let q = this.db.selectFrom('access_requests').selectAll();
    if (status) q = q.where('status', '=', status);
    const rows = await q.orderBy('created_at', 'desc').limit(500).execute();
    return rows.map(toRequest);
  }

  async listForUser(userId: string): Promise<AccessRequest[]> {
    const rows = await this.db
      .selectFrom('access_requests')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toRequest);
  }

  async #pending(id: string): Promise<Row> {
    const row = await this.db
      .selectFrom('access_requests')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new AppError('ERR_NOT_FOUND', 'No such access request');
    if (row.status !== 'pending')
      throw new AppError('ERR_CONFLICT', 'This access request was already decided');
    return row;
  }

  async approve(
    id: string,
    admin: Principal,
    decision: { role?: GrantableRole | undefined; note?: string | undefined },
    origin: Origin,
  ): Promise<AccessRequest> {
    const row = await this.#pending(id);
    const role = decision.role ?? (row.requested_role as GrantableRole);
    const now = isoUtc(this.clock.now());
    let userId = row.user_id;
    if (userId) {
      const user = await this.users.require(userId);
      await this.users.update(user.id, { role }, now);
    } else {
      const user = await this.users.create(
        {
          username: row.username,
          displayName: row.display_name,
          email: row.email,
          role,
          source: 'local',
          passwordHash: row.password_hash,
        },
        now,
      );
      userId = user.id;
    }
    return this.#decide(row, admin, origin, {
      status: 'approved',
      action: 'access-request.approve',
      note: decision.note,
      now,
      userId,
      details: { role, userId },
    });
  }

  async reject(
    id: string,
    admin: Principal,
    note: string | undefined,
    origin: Origin,
  ): Promise<AccessRequest> {
    const row = await this.#pending(id);
    const now = isoUtc(this.clock.now());
    return this.#decide(row, admin, origin, {
      status: 'rejected',
      action: 'access-request.reject',
      note,
      now,
      userId: row.user_id,
    });
  }

  /**
   * Records an administrator's decision on a pending request, audits it, and returns the request
   * as decided.
   */
  async #decide(
    row: Row,
    admin: Principal,
    origin: Origin,
    decision: {
      status: 'approved' | 'rejected';
      action: 'access-request.approve' | 'access-request.reject';
      note: string | undefined;
      now: string;
      userId: string | null;
      details?: Record<string, AuditDetailValue>;
    },
  ): Promise<AccessRequest> {
    await this.db
      .updateTable('access_requests')
      .set({
        status: decision.status,
        decided_by: admin.name,
        decided_at: decision.now,
        decision_note: decision.note?.slice(0, 2000) ?? null,
        // The chosen password's hash has served its purpose (or is not needed) once decided.
        password_hash: null,
        user_id: decision.userId,
      })
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .execute();
    await this.audit.record({
      action: decision.action,
      actor: { id: admin.id, name: admin.name, method: admin.method },
      target: { type: 'access-request', id: row.id },
      ip: origin.ip,
      requestId: origin.requestId ?? null,
      ...(decision.details && { details: decision.details }),
    });
    return toRequest(
      await this.db
        .selectFrom('access_requests')
        .selectAll()
        .where('id', '=', row.id)
        .executeTakeFirstOrThrow(),
    );
  }
}
