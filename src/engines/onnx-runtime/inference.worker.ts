/**
 * An inference worker: holds one onnxruntime session for one model, created on the first task and
 * reused, so `session.run` (synchronous in onnxruntime-node) never blocks the server's event loop.
 * The worker reads the model file itself and checks its sha256 before the runtime sees a byte.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { AppError, isAppError } from '../../errors.js';
import { packLetterboxed } from '../../imaging/letterbox.js';
import { decodeYoloOutput, packCandidates } from '../onnx-detector/yolo-output.js';
import { sessionOptions } from './session-options.js';
import type {
  ClassifyResult,
  DescribeResult,
  DetectResult,
  ValueSignature,
  WorkerFailure,
  WorkerInit,
  WorkerResult,
  WorkerTask,
} from './worker-protocol.js';

const init = workerData as WorkerInit;

interface Loaded {
  session: ort.InferenceSession;
  provider: string;
  loadMs: number;
}

let loading: Promise<Loaded> | null = null;
let tensorBuffer: Float32Array | null = null;

/**
 * onnxruntime-node lists CUDA as supported but ships its libraries separately (its postinstall, which
 * this project does not run, fetches them); only offer CUDA when the provider library is really there.
 */
function cudaAvailable(): boolean {
  const cuda = ort.listSupportedBackends().find((b) => b.name === 'cuda');
  if (!cuda) return false;
  if (cuda.bundled) return true;
  try {
    const binDir = path.join(
      path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node')),
      '..',
      'bin',
      'napi-v6',
      process.platform,
      process.arch,
    );
    return existsSync(path.join(binDir, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

async function load(): Promise<Loaded> {
  const started = performance.now();
  let bytes: Buffer;
  try {
    bytes = await readFile(init.modelPath);
  } catch (err) {
    throw new AppError('ERR_MODEL_NOT_FOUND', 'The model file is missing from the data directory', {
      cause: err,
    });
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== init.sha256) {
    throw new AppError(
      'ERR_MODEL_HASH_MISMATCH',
      `The model file's sha256 is ${actual.slice(0, 12)}…, its card records ${init.sha256.slice(0, 12)}…; refusing to load it`,
    );
  }
  const attempts: string[][] =
    init.runtime.provider === 'cuda'
      ? [['cuda']]
      : init.runtime.provider === 'auto' && cudaAvailable()
        ? [['cuda', 'cpu'], ['cpu']]
        : [['cpu']];
  let lastError: unknown;
  for (const providers of attempts) {
    try {
      const session = await ort.InferenceSession.create(bytes, sessionOptions(init.runtime, providers));
      return { session, provider: providers[0], loadMs: performance.now() - started };
    } catch (err) {
      lastError = err;
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new AppError(
    'ERR_MODEL_INVALID',
    `The runtime cannot load the model: ${reason.replace(/\s+/g, ' ').slice(0, 300)}`,
    { cause: lastError },
  );
}

function getSession(): Promise<Loaded> {
  // A failed load stays failed: every task reports the same clear error instead of retrying a bad file.
  loading ??= load();
  return loading;
}

function signature(meta: readonly ort.InferenceSession.ValueMetadata[]): ValueSignature[] {
  return meta.map((m) =>
    m.isTensor
      ? { name: m.name, type: m.type, shape: [...m.shape] }
      : { name: m.name, type: 'non-tensor', shape: [] },
  );
}

function borrowTensor(length: number): Float32Array {
  if (!tensorBuffer || tensorBuffer.length < length) tensorBuffer = new Float32Array(length);
  return tensorBuffer.subarray(0, length);
}

async function detect(task: Extract<WorkerTask, { kind: 'detect' }>): Promise<DetectResult> {
  const { session } = await getSession();
  const lb = task.letterbox;
  const t0 = performance.now();
  const data = packLetterboxed(task.image, lb, task.pack, borrowTensor(3 * lb.width * lb.height));
  const dims = task.pack.tensorLayout === 'nhwc' ? [1, lb.height, lb.width, 3] : [1, 3, lb.height, lb.width];
  const t1 = performance.now();
  const outputs = await session.run({ [task.inputName]: new ort.Tensor('float32', data, dims) }, [
    task.outputName,
  ]);
  const t2 = performance.now();
  const out = outputs[task.outputName];
  if (out.type !== 'float32')
    throw new AppError('ERR_MODEL_LAYOUT', `The output is ${out.type}, expected float32`);
  const boxes = packCandidates(decodeYoloOutput(out.data as Float32Array, out.dims, task.decode));
  out.dispose();
  return { ok: true, boxes, packMs: t1 - t0, runMs: t2 - t1, postprocessMs: performance.now() - t2 };
}

async function classify(task: Extract<WorkerTask, { kind: 'classify' }>): Promise<ClassifyResult> {
  const { session } = await getSession();
  const { size, count, batch } = task;
  const cropBytes = size * size * 3;
  const lb = {
    sourceWidth: size,
    sourceHeight: size,
    resizedWidth: size,
    resizedHeight: size,
    padLeft: 0,
    padTop: 0,
    width: size,
    height: size,
  };
  let scores: Float32Array | null = null;
  let classes = 0;
  let packMs = 0;
  let runMs = 0;
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const t0 = performance.now();
    const data = borrowTensor(n * cropBytes);
    for (let i = 0; i < n; i++) {
      const crop = task.crops.subarray((start + i) * cropBytes, (start + i + 1) * cropBytes);
      packLetterboxed(crop, lb, task.pack, data, i * cropBytes);
    }
    const dims = task.pack.tensorLayout === 'nhwc' ? [n, size, size, 3] : [n, 3, size, size];
    const t1 = performance.now();
    const outputs = await session.run({ [task.inputName]: new ort.Tensor('float32', data, dims) }, [
      task.outputName,
    ]);
    runMs += performance.now() - t1;
    packMs += t1 - t0;
    const out = outputs[task.outputName];
    if (out.type !== 'float32' || out.dims[0] !== n) {
      throw new AppError('ERR_MODEL_LAYOUT', `The classifier output is ${out.type} [${out.dims.join(', ')}]`);
    }
    classes = out.dims.slice(1).reduce((a, b) => a * b, 1);
    scores ??= new Float32Array(count * classes);
    scores.set(out.data as Float32Array, start * classes);
    out.dispose();
  }
  return { ok: true, scores: scores ?? new Float32Array(0), classes, packMs, runMs };
}

async function describe(): Promise<DescribeResult> {
  const { session, provider, loadMs } = await getSession();
  return {
    ok: true,
    inputs: signature(session.inputMetadata),
    outputs: signature(session.outputMetadata),
    provider,
    loadMs,
  };
}

function failure(err: unknown): WorkerFailure {
  if (isAppError(err)) return { ok: false, code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, code: 'ERR_ENGINE_FAILED', message: `Inference failed: ${message.slice(0, 300)}` };
}

/** Piscina calls this for every task. Results are small (boxes, class scores), so they are cloned. */
export default async function handleTask(task: WorkerTask): Promise<WorkerResult> {
  try {
    switch (task.kind) {
      case 'describe':
        return await describe();
      case 'detect':
        return await detect(task);
      case 'classify':
        return await classify(task);
    }
  } catch (err) {
    return failure(err);
  }
}
