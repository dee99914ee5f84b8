/**
 * Chooses the blob store from configuration: a folder in the data directory by default, an
 * S3-compatible bucket when one is named; wrapped in envelope encryption when keys are configured.
 * Retaining images without encryption keys is refused, because retained images must be encrypted.
 */
import path from 'node:path';
import type { Config } from '../config/config.schema.js';
import { AppError } from '../errors.js';
import { FileBlobStore, type BlobStore } from './blob-store.js';
import { EncryptedBlobStore, parseKeyring } from './encrypted-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

export function createBlobStore(config: Readonly<Config>): BlobStore {
  const { storage } = config;
  const keys = parseKeyring(storage.encryptionKeys);
  if (storage.retainImages && keys.length === 0) {
    throw new AppError(
      'ERR_CONFIG_INVALID',
      'GRAMSCOPE_RETAIN_IMAGES is on but GRAMSCOPE_ENCRYPTION_KEYS is empty: retained images are encrypted at rest, so set a key (e.g. k1:$(openssl rand -base64 32))',
    );
  }
  const base: BlobStore = storage.s3Bucket
    ? new S3BlobStore({
        bucket: storage.s3Bucket,
        endpoint: storage.s3Endpoint || undefined,
        region: storage.s3Region,
        prefix: storage.s3Prefix,
        forcePathStyle: storage.s3ForcePathStyle,
      })
    : new FileBlobStore(path.join(storage.dataDir, 'blobs'));
  return keys.length > 0 ? new EncryptedBlobStore(base, keys) : base;
}
