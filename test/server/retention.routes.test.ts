import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/load-config.js';
import { S3BlobStore } from '../../src/store/s3-blob-store.js';
import { readKeyId } from '../../src/store/encrypted-blob-store.js';
import { DIALECTS, createSqliteTestDatabase } from '../support/databases.js';
import { rotatedJpeg } from '../support/images.js';
import { startTestS3, type TestS3 } from '../support/s3.js';
import { startTestServer, type TestServer } from '../support/server.js';

function form(image: Buffer): { body: Buffer; type: string } {
  const boundary = 'xyzzy-boundary';
  return {
    body: Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="f.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      image,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

describe.each(DIALECTS)('retained images in S3, encrypted, with $name', ({ create }) => {
  let s3: TestS3;
  let server: TestServer;

  beforeAll(async () => {
    s3 = await startTestS3();
    // The app takes S3 credentials from the AWS SDK's default chain, as in production.
    vi.stubEnv('AWS_ACCESS_KEY_ID', s3.credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', s3.credentials.secretAccessKey);
    server = await startTestServer({
      database: await create(),
      overrides: {
        'storage.retainImages': true,
        'storage.s3Bucket': s3.bucket,
        'storage.s3Endpoint': s3.endpoint,
        'storage.s3ForcePathStyle': true,
        'storage.s3Prefix': 'gs/',
        'storage.encryptionKeys': [`site-2026:${randomBytes(32).toString('base64')}`],
      },
    });
  });

  afterAll(async () => {
    await server.close();
    await s3.close();
    vi.unstubAllEnvs();
  });

  it('is ready with the bucket reachable', async () => {
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { checks: unknown }).checks).toMatchObject({
      blobs: { ok: true, detail: 's3+aes-256-gcm' },
    });
  });

  it('keeps the image encrypted at rest, re-encoded without its metadata', async () => {
    const jpeg = await rotatedJpeg();
    expect(jpeg.includes(Buffer.from('Jane Doe'))).toBe(true);
    const { body, type } = form(jpeg);
    const res = await fetch(`${server.url}/api/v1/analyses`, {
      method: 'POST',
      body,
      headers: { 'content-type': type },
    });
    expect(res.status).toBe(201);
    const { id, createdAt } = (await res.json()) as { id: string; createdAt: string };
    const key = `images/${createdAt.slice(0, 10)}/${id}.png`;
    const row = await server.ctx.store.db
      .selectFrom('analyses')
      .select('image_key')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.image_key).toBe(key);

    const raw = new S3BlobStore({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    const atRest = (await raw.get(`gs/${key}`))!;
    raw.close();
    expect(readKeyId(atRest)).toBe('site-2026');
    expect(atRest.includes(Buffer.from([0x89, 0x50, 0x4e, 0x47]))).toBe(false);

    const plain = (await server.ctx.blobs.get(key))!;
    const meta = await sharp(plain).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 40, height: 80 });
    expect(meta.exif).toBeUndefined();
    expect(plain.includes(Buffer.from('Jane Doe'))).toBe(false);
  });
});

describe('retention configuration', () => {
  it('refuses to retain images without an encryption key', async () => {
    const db = await createSqliteTestDatabase();
    const config = loadConfig({}, { 'storage.dataDir': db.dataDir, 'storage.retainImages': true });
    await expect(createAppContext(config, { engines: [] })).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID',
      message: expect.stringContaining('GRAMSCOPE_ENCRYPTION_KEYS'),
    });
    await db.cleanup();
  });

  it('reports an unreachable bucket as not ready', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'x');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'y');
    const server = await startTestServer({
      overrides: {
        'storage.s3Bucket': 'b',
        'storage.s3Endpoint': 'http://127.0.0.1:9',
        'storage.s3ForcePathStyle': true,
      },
    });
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      code: 'ERR_NOT_READY',
      details: { checks: { blobs: { ok: false, detail: 's3 unreachable' } } },
    });
    await server.close();
    vi.unstubAllEnvs();
  });
});
