/**
 * A local S3-compatible server for tests: s3rver (an S3 protocol implementation in Node, storing
 * objects in a temporary folder), started in-process on a loopback port. It checks SigV4
 * signatures with its fixed test credentials, so requests are signed exactly as for AWS.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver';

export interface TestS3 {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The folder s3rver keeps objects in (to inspect what was written at rest). */
  directory: string;
  close(): Promise<void>;
}

export async function startTestS3(bucket = 'gramscope-test'): Promise<TestS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 'gramscope-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  }) as { run(): Promise<AddressInfo>; close(): Promise<void> };
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    directory,
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
