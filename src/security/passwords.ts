/**
 * Password hashing (argon2id, OWASP's minimum parameters: 19 MiB, 2 passes) and the password rule:
 * at least 12 characters, not one of the ~49,000 common passwords bundled with
 * @zxcvbn-ts/language-common (its `passwords-common` list, drawn from leaked-password corpora),
 * not the user name. No composition rules and no forced periodic change (NIST 800-63B, ASVS V6).
 */
import { createRequire } from 'node:module';
import type * as argon2 from '@node-rs/argon2';
import type * as zxcvbnCommon from '@zxcvbn-ts/language-common';
import { AppError } from '../errors.js';

// Both load on first use, not at start (cold start, SPEC §3): single-user and OIDC installations
// never check a password. The word list is read synchronously, as the rule check is synchronous.
let argon2Module: Promise<typeof argon2> | undefined;
const loadArgon2 = (): Promise<typeof argon2> => (argon2Module ??= import('@node-rs/argon2'));
const requireCjs = createRequire(import.meta.url);

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  if (!common) {
    const { dictionary } = requireCjs('@zxcvbn-ts/language-common') as typeof zxcvbnCommon;
    common = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  }
  return common;
}

/** Why a password is refused, or null when it is acceptable. */
export function checkPasswordRule(password: string, username = ''): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters`;
  const lower = password.normalize('NFKC').toLowerCase();
  const list = commonPasswords();
  // Common passwords with digits or punctuation tacked on are just as guessable.
  const stripped = lower.replace(/[\d\W_]+$/u, '').replace(/^[\d\W_]+/u, '');
  if (list.has(lower) || (stripped.length >= 4 && list.has(stripped)))
    return 'This password is on a list of commonly used passwords';
  if (/^(.)\1+$/u.test(lower) || /^(.{1,4})\1+$/u.test(lower)) return 'This password is too repetitive';
  const name = username.trim().toLowerCase();
  if (name.length >= 3 && lower.includes(name)) return 'The password must not contain the user name';
  return null;
}

/** Throws ERR_PASSWORD_WEAK with the reason when the password breaks the rule. */
export function assertPasswordRule(password: string, username = ''): void {
  const problem = checkPasswordRule(password, username);
  if (problem) throw new AppError('ERR_PASSWORD_WEAK', problem);
}

/**
 * @example
 * const stored = await hashPassword('correct horse battery staple'); // "$argon2id$v=19$m=19456,t=2,p=1$…"
 */
export async function hashPassword(password: string): Promise<string> {
  const { hash } = await loadArgon2();
  return hash(password.normalize('NFKC'), ARGON2);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX_LENGTH * 4) return false;
  const { verify } = await loadArgon2();
  try {
    return await verify(stored, password.normalize('NFKC'));
  } catch {
    return false;
  }
}

/** A hash to verify against when the user does not exist, so timing does not reveal user names. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword('decoy-password-never-matches-anything');
  return decoy;
}
