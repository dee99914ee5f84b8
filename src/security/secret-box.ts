/**
 * Small secrets the server must read back (authenticator TOTP seeds) are sealed at rest with
 * AES-256-GCM, so a copy of the database alone (a dump, a backup, a read-only SQL injection) does
 * not hand out anyone's second factor. Keys come from configuration, never from the database:
 * the image keyring GRAMSCOPE_ENCRYPTION_KEYS when set (first seals, all open, so keys rotate by
 * prepending), else a key derived from the audit key, which every replica already shares. The
 * derived key always stays available for opening, so turning on the keyring later loses nothing.
 * The owning record's id is bound in, so a sealed value copied onto another user does not open.
 *
 * Stored form: `gs1:<keyId>:<base64url(iv | ciphertext | tag)>`.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';
import type { KeyEncryptionKey } from '../store/encrypted-blob-store.js';

const PREFIX = 'gs1';
export const DERIVED_KEY_ID = 'audit-derived';

export class SecretBox {
  readonly #keys: KeyEncryptionKey[];

  /** `keyring` first (the first seals); the key derived from the audit key opens too. */
  constructor(keyring: readonly KeyEncryptionKey[], auditKey: Buffer) {
    const derived = Buffer.from(hkdfSync('sha256', auditKey, Buffer.alloc(0), 'gramscope secret-box v1', 32));
    this.#keys = [...keyring.filter((k) => k.id !== DERIVED_KEY_ID), { id: DERIVED_KEY_ID, key: derived }];
  }

  /** The id of the key new values are sealed with. */
  get sealingKeyId(): string {
    return this.#keys[0].id;
  }

  static isSealed(value: string): boolean {
    return value.startsWith(`${PREFIX}:`);
  }

  seal(plain: string, purpose: string, ownerId: string): string {
    const { id, key } = this.#keys[0];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(purpose, ownerId, id));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}:${id}:${Buffer.concat([iv, data, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /**
   * Opens a sealed value. A value written before sealing existed is returned as it is (and
   * sealed on the next write, or by `UsersRepository.sealLegacySecrets` at start-up). Fails
   * closed: a value that does not open throws, it never reads as "no secret".
   */
  open(stored: string, purpose: string, ownerId: string): string {
    if (!SecretBox.isSealed(stored)) return stored;
    const [, id, body] = stored.split(':');
    const entry = this.#keys.find((k) => k.id === id);
    if (!entry || !body)
      throw new AppError(
        'ERR_BLOB_UNREADABLE',
        `A stored ${purpose} was sealed with key "${id ?? '?'}", which is not configured (GRAMSCOPE_ENCRYPTION_KEYS or GRAMSCOPE_AUDIT_KEY changed?)`,
      );
    const raw = Buffer.from(body, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, raw.subarray(0, 12));
      decipher.setAAD(aad(purpose, ownerId, entry.id));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString(
        'utf8',
      );
    } catch (err) {
      throw new AppError('ERR_BLOB_UNREADABLE', `A stored ${purpose} does not open (altered or moved)`, {
        cause: err,
      });
    }
  }
}

const aad = (purpose: string, ownerId: string, keyId: string): Buffer =>
  Buffer.from(`gramscope-secret:v1:${purpose}:${keyId}:${ownerId}`, 'utf8');
