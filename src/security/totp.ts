/**
 * Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30-second steps, as every
 * authenticator app supports) with one step of drift either way, refusing a step already used;
 * and single-use recovery codes, stored as SHA-256 hashes.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

export const TOTP_PERIOD_SECONDS = 30;
const ISSUER = 'gramscope';

export function createTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secret: string, label: string): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  });
}

/** The otpauth:// URI an authenticator app scans (as a QR code) or accepts typed in. */
export function totpUri(secret: string, username: string): string {
  return totpFor(secret, username).toString();
}

/** The current code (tests and the CLI use it; the server only validates). */
export function generateTotp(secret: string, nowMs: number): string {
  return totpFor(secret, 'x').generate({ timestamp: nowMs });
}

/**
 * Returns the time step the code belongs to, or null when it is wrong or its step is not newer
 * than `lastStep` (a replayed code).
 */
export function verifyTotp(
  secret: string,
  code: string,
  nowMs: number,
  lastStep: number | null,
): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpFor(secret, 'x').validate({ token: code, timestamp: nowMs, window: 1 });
  if (delta === null) return null;
  const step = Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS) + delta;
  if (lastStep !== null && step <= lastStep) return null;
  return step;
}

const hashCode = (code: string): string =>
  createHash('sha256')
    .update(code.replace(/[^a-z0-9]/gi, '').toLowerCase())
    .digest('hex');

/** Ten codes like `k3f9-2xq7-mm4p` (60 bits each), returned once; only their hashes are kept. */
export function createRecoveryCodes(count = 10): { codes: string[]; hashes: string[] } {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = randomBytes(12);
    const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
    codes.push(`${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`);
  }
  return { codes, hashes: codes.map(hashCode) };
}

/** Returns the remaining hashes when the code matches one (which is used up), else null. */
export function consumeRecoveryCode(hashes: readonly string[], code: string): string[] | null {
  if (!/^[a-z0-9]{4}-?[a-z0-9]{4}-?[a-z0-9]{4}$/i.test(code.trim())) return null;
  const candidate = Buffer.from(hashCode(code.trim()), 'hex');
  const index = hashes.findIndex((h) => {
    const b = Buffer.from(h, 'hex');
    return b.length === candidate.length && timingSafeEqual(b, candidate);
  });
  if (index < 0) return null;
  return hashes.filter((_, i) => i !== index);
}
