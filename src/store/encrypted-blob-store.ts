/**
 * Envelope encryption at rest for retained images: every object gets its own random 256-bit data
 * key; the data is sealed with AES-256-GCM under that key, and the data key is sealed with
 * AES-256-GCM under a key-encryption key from configuration. The key id is written in each
 * object's header, so keys rotate by adding a new first key while the old ones still decrypt.
 * The object's storage key is bound in as additional authenticated data, so a ciphertext moved to
 * another key (another analysis) no longer decrypts.
 *
 * Layout: "GSB1" | idLength (1) | keyId | wrapIv (12) | wrappedKey (32) | wrapTag (16) |
 *         dataIv (12) | dataTag (16) | ciphertext
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';
import type { BlobStore } from './blob-store.js';

const MAGIC = Buffer.from('GSB1', 'ascii');
const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;

export interface KeyEncryptionKey {
  id: string;
  key: Buffer;
}

/**
 * Parses `id:base64` entries (32-byte keys). The first encrypts; all decrypt.
 *
 * @example
 * parseKeyring(['k2:' + randomBytes(32).toString('base64'), 'k1:…']);
 */
export function parseKeyring(entries: readonly string[]): KeyEncryptionKey[] {
  const keys: KeyEncryptionKey[] = [];
  for (const [i, entry] of entries.entries()) {
    const sep = entry.indexOf(':');
    const id = sep > 0 ? entry.slice(0, sep) : '';
    const key = Buffer.from(sep > 0 ? entry.slice(sep + 1) : '', 'base64');
    if (!KEY_ID.test(id) || key.length !== 32)
      throw new AppError(
        'ERR_CONFIG_INVALID',
        `GRAMSCOPE_ENCRYPTION_KEYS entry ${i + 1} must be id:base64 with a 1-32 character id (letters, digits, . _ -) and a 32-byte key`,
      );
    if (keys.some((k) => k.id === id))
      throw new AppError('ERR_CONFIG_INVALID', `GRAMSCOPE_ENCRYPTION_KEYS names key "${id}" twice`);
    keys.push({ id, key });
  }
  return keys;
}

const aad = (purpose: string, objectKey: string, keyId: string): Buffer =>
  Buffer.from(`gramscope-blob:v1:${purpose}:${keyId}:${objectKey}`, 'utf8');

function seal(key: Buffer, plain: Uint8Array, ad: Buffer): { iv: Buffer; tag: Buffer; data: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(ad);
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), data };
}

function open(key: Buffer, iv: Buffer, tag: Buffer, data: Buffer, ad: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(ad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(data), decipher.final()]);
}

/** The key id an encrypted object was sealed with, or null when it is not one of ours. */
export function readKeyId(sealed: Uint8Array): string | null {
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (buf.length < 5 || !buf.subarray(0, 4).equals(MAGIC)) return null;
  const length = buf[4];
  return buf.length >= 5 + length ? buf.subarray(5, 5 + length).toString('ascii') : null;
}

export class EncryptedBlobStore implements BlobStore {
  readonly kind: string;
  readonly #inner: BlobStore;
  readonly #keys: KeyEncryptionKey[];

  constructor(inner: BlobStore, keys: KeyEncryptionKey[]) {
    if (keys.length === 0) throw new Error('EncryptedBlobStore needs at least one key');
    this.#inner = inner;
    this.#keys = keys;
    this.kind = `${inner.kind}+aes-256-gcm`;
  }

  /** The id of the key new objects are sealed with. */
  get activeKeyId(): string {
    return this.#keys[0].id;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const kek = this.#keys[0];
    const dataKey = randomBytes(32);
    const body = seal(dataKey, bytes, aad('data', key, kek.id));
    const wrapped = seal(kek.key, dataKey, aad('key', key, kek.id));
    dataKey.fill(0);
    const id = Buffer.from(kek.id, 'ascii');
    await this.#inner.put(
      key,
      Buffer.concat([
        MAGIC,
        Buffer.from([id.length]),
        id,
        wrapped.iv,
        wrapped.data,
        wrapped.tag,
        body.iv,
        body.tag,
        body.data,
      ]),
    );
  }

  async get(key: string): Promise<Buffer | null> {
    const sealed = await this.#inner.get(key);
    if (!sealed) return null;
    const keyId = readKeyId(sealed);
    const unreadable = (why: string, cause?: unknown): AppError =>
      new AppError('ERR_BLOB_UNREADABLE', `The stored object ${key} ${why}`, { cause });
    if (keyId === null) throw unreadable('is not an encrypted gramscope object');
    const kek = this.#keys.find((k) => k.id === keyId);
    if (!kek) throw unreadable(`was encrypted with key "${keyId}", which is not configured`);
    let offset = 5 + keyId.length;
    const take = (n: number): Buffer => {
      const part = sealed.subarray(offset, offset + n);
      if (part.length !== n) throw unreadable('is truncated');
      offset += n;
      return part;
    };
    try {
      const wrapIv = take(12);
      const wrappedKey = take(32);
      const wrapTag = take(16);
      const dataIv = take(12);
      const dataTag = take(16);
      const dataKey = open(kek.key, wrapIv, wrapTag, wrappedKey, aad('key', key, keyId));
      const plain = open(dataKey, dataIv, dataTag, sealed.subarray(offset), aad('data', key, keyId));
      dataKey.fill(0);
      return plain;
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw unreadable('failed authentication (altered, truncated or moved)', err);
    }
  }

  async delete(key: string): Promise<void> {
    await this.#inner.delete(key);
  }

  async ping(): Promise<void> {
    await this.#inner.ping?.();
  }

  close(): void {
    this.#inner.close?.();
  }
}
