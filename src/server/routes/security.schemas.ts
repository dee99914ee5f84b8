/** TypeBox schemas of the security API (they appear in the OpenAPI document). */
import { Type } from '@sinclair/typebox';
import { USERNAME_PATTERN } from '../../security/users.repository.js';

export const RoleSchema = Type.Union(
  ['none', 'viewer', 'analyst', 'reviewer', 'admin'].map((r) => Type.Literal(r)),
  { $id: 'Role' },
);
export const GrantableRoleSchema = Type.Union(
  ['viewer', 'analyst', 'reviewer', 'admin'].map((r) => Type.Literal(r)),
);
export const TokenScopeSchema = Type.Union(['read', 'submit', 'metrics'].map((s) => Type.Literal(s)));

export const UsernameSchema = Type.String({ minLength: 1, maxLength: 64, pattern: USERNAME_PATTERN });
/** Free text a person types: bounded, no control characters (so no forged log lines). */
export const LineText = (max: number) =>
  Type.String({ minLength: 1, maxLength: max, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });
export const ParagraphText = (max: number) =>
  Type.String({ minLength: 1, maxLength: max, pattern: '^[^\\u0000-\\u0009\\u000b-\\u001f\\u007f]*$' });

export const UserSchema = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    displayName: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    role: Type.String({ description: 'Role granted in gramscope' }),
    claimsRole: Type.String({ description: "Role from the identity provider's claims at the last sign-in" }),
    effectiveRole: Type.String({ description: 'What the user may do: the higher of the two' }),
    source: Type.String(),
    disabled: Type.Boolean(),
    totpEnabled: Type.Boolean(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    lastLoginAt: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'User' },
);

export const SessionInfoSchema = Type.Object(
  {
    mode: Type.String(),
    user: Type.Object({
      id: Type.String(),
      username: Type.String(),
      role: Type.String(),
      method: Type.String(),
      secondFactor: Type.Boolean(),
      amr: Type.Array(Type.String()),
      totpEnabled: Type.Boolean(),
    }),
    /** Send as x-csrf-token on every state-changing request made with the session cookie. */
    csrfToken: Type.Union([Type.String(), Type.Null()]),
    expiresAt: Type.Union([Type.String(), Type.Null()]),
    idleExpiresAt: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'SessionInfo' },
);

export const ApiTokenSchema = Type.Object(
  {
    id: Type.String(),
    userId: Type.String(),
    name: Type.String(),
    prefix: Type.String(),
    scopes: Type.Array(Type.String()),
    createdAt: Type.String(),
    expiresAt: Type.String(),
    lastUsedAt: Type.Union([Type.String(), Type.Null()]),
    revokedAt: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'ApiToken' },
);

export const AccessRequestSchema = Type.Object(
  {
    id: Type.String(),
    createdAt: Type.String(),
    status: Type.String(),
    userId: Type.Union([Type.String(), Type.Null()]),
    username: Type.String(),
    displayName: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    reason: Type.String(),
    requestedRole: Type.String(),
    decidedBy: Type.Union([Type.String(), Type.Null()]),
    decidedAt: Type.Union([Type.String(), Type.Null()]),
    decisionNote: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'AccessRequest' },
);

const DetailValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

export const AuditEntrySchema = Type.Object(
  {
    seq: Type.Integer(),
    id: Type.String(),
    at: Type.String({ description: 'ISO-8601, UTC with explicit offset' }),
    actor: Type.Union([
      Type.Object({ id: Type.String(), name: Type.String(), method: Type.String() }),
      Type.Null(),
    ]),
    action: Type.String(),
    outcome: Type.String(),
    target: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
    ip: Type.Union([Type.String(), Type.Null()]),
    requestId: Type.Union([Type.String(), Type.Null()]),
    details: Type.Record(Type.String(), DetailValue),
    keyId: Type.String(),
    prevHash: Type.String(),
    hash: Type.String(),
  },
  { $id: 'AuditEntry' },
);

export const AuditVerifySchema = Type.Object(
  {
    ok: Type.Boolean(),
    entries: Type.Integer(),
    head: Type.Union([Type.Object({ seq: Type.Integer(), hash: Type.String() }), Type.Null()]),
    problem: Type.Union([
      Type.Object({
        kind: Type.String(),
        seq: Type.Integer(),
        id: Type.Union([Type.String(), Type.Null()]),
        message: Type.String(),
      }),
      Type.Null(),
    ]),
  },
  { $id: 'AuditVerifyReport' },
);
