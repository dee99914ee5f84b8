import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore } from '../../src/store/s3-blob-store.js';
import { EncryptedBlobStore, parseKeyring, readKeyId } from '../../src/store/encrypted-blob-store.js';
import { startTestS3, type TestS3 } from '../support/s3.js';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe('S3 blob store against a local S3-compatible server', () => {
  let s3: TestS3;
  let store: S3BlobStore;
  const open = (prefix = '', bucket?: string): S3BlobStore =>
    new S3BlobStore({
      bucket: bucket ?? s3.bucket,
      endpoint: s3.endpoint,
      region: 'us-east-1',
      prefix,
      forcePathStyle: true,
      credentials: s3.credentials,
    });

  beforeAll(async () => {
    s3 = await startTestS3();
    store = open('site-a/');
  });

  afterAll(async () => {
    store.close();
    await s3.close();
  });

  it('puts, gets and deletes objects; a missing one reads as null', async () => {
    const bytes = randomBytes(70_000);
    await store.put('images/2026-01-01/a.png', bytes);
    expect(await store.get('images/2026-01-01/a.png')).toEqual(bytes);
    expect(await store.get('images/none.png')).toBeNull();
    await store.delete('images/2026-01-01/a.png');
    expect(await store.get('images/2026-01-01/a.png')).toBeNull();
  });

  it('keeps each installation under its prefix', async () => {
    await store.put('models/m1.onnx', Buffer.from('model bytes'));
    const root = open('');
    expect((await root.get('site-a/models/m1.onnx'))?.toString()).toBe('model bytes');
    expect(await root.get('models/m1.onnx')).toBeNull();
    root.close();
  });

  it('refuses unsafe keys before any request', async () => {
    await expect(store.put('../escape', Buffer.from('x'))).rejects.toThrow(/unsafe blob key/);
  });

  it('pings a reachable bucket and reports a missing one as unavailable', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    const missing = open('', 'no-such-bucket');
    await expect(missing.ping()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    missing.close();
  });

  it('reports an unreachable server as ERR_STORE_UNAVAILABLE', async () => {
    const dead = new S3BlobStore({
      bucket: 'b',
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    await expect(dead.put('a', Buffer.from('x'))).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    dead.close();
  });

  describe('with envelope encryption', () => {
    const k1 = `k1:${randomBytes(32).toString('base64')}`;
    const k2 = `k2:${randomBytes(32).toString('base64')}`;

    it('stores ciphertext with its key id, and reads back the plaintext', async () => {
      const sealed = new EncryptedBlobStore(store, parseKeyring([k1]));
      const image = Buffer.concat([PNG_MAGIC, randomBytes(5000)]);
      await sealed.put('images/x/1.png', image);
      const raw = (await store.get('images/x/1.png'))!;
      expect(raw.subarray(0, 4).toString()).toBe('GSB1');
      expect(readKeyId(raw)).toBe('k1');
      expect(raw.includes(image.subarray(0, 64))).toBe(false);
      expect(raw.length).toBe(image.length + 4 + 1 + 2 + 12 + 32 + 16 + 12 + 16);
      expect(await sealed.get('images/x/1.png')).toEqual(image);
      expect(await sealed.get('images/x/missing.png')).toBeNull();
    });

    it('rotates keys: new objects use the first key, old ones still decrypt', async () => {
      await new EncryptedBlobStore(store, parseKeyring([k1])).put('images/r/old.png', Buffer.from('old'));
      const rotated = new EncryptedBlobStore(store, parseKeyring([k2, k1]));
      await rotated.put('images/r/new.png', Buffer.from('new'));
      expect(readKeyId((await store.get('images/r/new.png'))!)).toBe('k2');
      expect((await rotated.get('images/r/old.png'))?.toString()).toBe('old');
      const withoutOld = new EncryptedBlobStore(store, parseKeyring([k2]));
      await expect(withoutOld.get('images/r/old.png')).rejects.toMatchObject({
        code: 'ERR_BLOB_UNREADABLE',
        message: expect.stringContaining('"k1"'),
      });
    });

    it('detects altered, truncated and moved objects', async () => {
      const sealed = new EncryptedBlobStore(store, parseKeyring([k1]));
      await sealed.put('images/t/a.png', randomBytes(300));
      const raw = (await store.get('images/t/a.png'))!;
      const flipped = Buffer.from(raw);
      flipped[flipped.length - 10] ^= 0x01;
      await store.put('images/t/b.png', flipped);
      await expect(sealed.get('images/t/b.png')).rejects.toMatchObject({ code: 'ERR_BLOB_UNREADABLE' });
      await store.put('images/t/c.png', raw.subarray(0, 40));
      await expect(sealed.get('images/t/c.png')).rejects.toMatchObject({ code: 'ERR_BLOB_UNREADABLE' });
      // An intact ciphertext under another object's key does not decrypt: the key is authenticated.
      await store.put('images/t/d.png', raw);
      await expect(sealed.get('images/t/d.png')).rejects.toMatchObject({ code: 'ERR_BLOB_UNREADABLE' });
      await store.put('images/t/e.png', Buffer.from('plain PNG bytes'));
      await expect(sealed.get('images/t/e.png')).rejects.toMatchObject({ code: 'ERR_BLOB_UNREADABLE' });
    });

    it('refuses malformed key configuration with one clear error', () => {
      expect(() => parseKeyring(['nocolon'])).toThrow(/entry 1 must be id:base64/);
      expect(() => parseKeyring([`k1:${randomBytes(16).toString('base64')}`])).toThrow(/32-byte key/);
      expect(() => parseKeyring([k1, k1])).toThrow(/names key "k1" twice/);
      expect(parseKeyring([k2, k1]).map((k) => k.id)).toEqual(['k2', 'k1']);
    });
  });
});
