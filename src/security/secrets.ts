import { createHash, randomBytes } from 'node:crypto';

/** 256 bits of randomness, URL-safe. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Session ids and API tokens are high-entropy, so a plain SHA-256 is the right storage hash. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
