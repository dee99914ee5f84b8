/**
 * Blob storage in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, …) through the AWS SDK v3, for
 * installations with more than one replica. Credentials come from the SDK's default chain
 * (environment, web identity / IRSA, ECS task role, instance profile), never from our settings.
 * The SDK (hundreds of modules) loads on the first call, not at start: a filesystem installation
 * never loads it, and an S3 one does not wait for it before answering (cold start, SPEC §3).
 */
import type * as s3 from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { AppError } from '../errors.js';
import { assertSafeKey, type BlobStore } from './blob-store.js';

type S3Sdk = typeof s3;

export interface S3BlobStoreOptions {
  bucket: string;
  /** Endpoint URL of an S3-compatible server; undefined for AWS. */
  endpoint?: string | undefined;
  region: string;
  /** Key prefix ending in '/', or ''. */
  prefix?: string;
  forcePathStyle?: boolean;
  /** Explicit credentials (tests); production uses the default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  readonly #options: S3BlobStoreOptions;
  #sdk: Promise<{ sdk: S3Sdk; client: S3Client }> | undefined;
  #client: S3Client | undefined;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(options: S3BlobStoreOptions) {
    this.#options = options;
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ?? '';
  }

  /** The SDK and the client, loaded and built on first use. */
  #connect(): Promise<{ sdk: S3Sdk; client: S3Client }> {
    return (this.#sdk ??= import('@aws-sdk/client-s3').then((sdk) => {
      this.#client = this.#build(sdk);
      return { sdk, client: this.#client };
    }));
  }

  #build(sdk: S3Sdk): S3Client {
    const options = this.#options;
    return new sdk.S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Checksums only where the API requires them: several S3-compatible servers reject the
      // newer default trailing checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
  }

  #key(key: string): string {
    assertSafeKey(key);
    return `${this.#prefix}${key}`;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const objectKey = this.#key(key);
    await this.#call(({ sdk, client }) =>
      client.send(
        new sdk.PutObjectCommand({
          Bucket: this.#bucket,
          Key: objectKey,
          Body: bytes,
          ContentType: 'application/octet-stream',
        }),
      ),
    );
  }

  async get(key: string): Promise<Buffer | null> {
    const objectKey = this.#key(key);
    const { sdk, client } = await this.#connect();
    try {
      const out = await client.send(new sdk.GetObjectCommand({ Bucket: this.#bucket, Key: objectKey }));
      if (!out.Body) return null;
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (err) {
      if (
        err instanceof sdk.NoSuchKey ||
        (err instanceof sdk.S3ServiceException && err.$metadata.httpStatusCode === 404)
      )
        return null;
      throw unavailable(err);
    }
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.#key(key);
    await this.#call(({ sdk, client }) =>
      client.send(new sdk.DeleteObjectCommand({ Bucket: this.#bucket, Key: objectKey })),
    );
  }

  /** Readiness: the bucket exists and these credentials reach it. */
  async ping(): Promise<void> {
    await this.#call(({ sdk, client }) => client.send(new sdk.HeadBucketCommand({ Bucket: this.#bucket })));
  }

  close(): void {
    this.#client?.destroy();
  }

  async #call<T>(fn: (s3: { sdk: S3Sdk; client: S3Client }) => Promise<T>): Promise<T> {
    const s3 = await this.#connect();
    try {
      return await fn(s3);
    } catch (err) {
      throw unavailable(err);
    }
  }
}

function unavailable(err: unknown): AppError {
  return new AppError('ERR_STORE_UNAVAILABLE', 'Object storage is unreachable or refused the request', {
    cause: err,
  });
}
