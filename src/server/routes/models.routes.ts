/**
 * The model registry over HTTP: anyone with a role reads the models and their cards; admins upload,
 * activate, deactivate, roll back, verify and remove them. Every admin action is audited, refused
 * attempts included (with their error code). The same service serves `gramscope models`.
 */
import { createHash } from 'node:crypto';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { AppError, isAppError } from '../../errors.js';
import {
  MODEL_ENGINES,
  MODEL_ID_PATTERN,
  ModelActivationSchema,
  ModelCardSchema,
  ModelEngineSchema,
  type ModelCard,
  type ModelEngine,
} from '../../models/model-card.js';
import { parseModelCardInput, type ModelCardInput } from '../../models/model-registry.service.js';
import type { AuditDetailValue } from '../../security/audit.service.js';
import { ErrorSchema } from '../schemas.js';

const ModelItem = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.String(),
  engine: Type.String(),
  sha256: Type.String(),
  /** TAXONOMY keys, or the model's own names for unmapped classes. */
  labels: Type.Array(Type.String()),
  unmappedLabels: Type.Array(Type.String()),
  active: Type.Boolean(),
  createdAt: Type.String(),
  card: ModelCardSchema,
});

const toItem = (card: ModelCard, active: boolean) => ({
  id: card.id,
  name: card.name,
  version: card.version,
  engine: card.engine,
  sha256: card.sha256,
  labels: card.classes.map((c) => c.label ?? c.name),
  unmappedLabels: card.unmappedClasses,
  active,
  createdAt: card.addedAt,
  card,
});

const IdParams = Type.Object({ id: Type.String({ pattern: MODEL_ID_PATTERN }) });
const ChangeResult = Type.Object({
  model: Type.Union([ModelItem, Type.Null()]),
  /** The model that was active before the change (null when none). */
  previous: Type.Union([Type.String(), Type.Null()]),
});
/** The web app posts `{}`; nothing else is accepted. */
const EmptyBody = Type.Optional(Type.Object({}, { additionalProperties: false }));

/** Text fields of an upload; the card itself comes as one JSON field. */
const UPLOAD_FIELDS = {
  engine: new RegExp(`^(${MODEL_ENGINES.join('|')})$`),
  id: new RegExp(MODEL_ID_PATTERN),
  name: /^[^\p{Cc}]{1,200}$/u,
  version: /^[^\p{Cc}]{1,64}$/u,
  sha256: /^[0-9a-fA-F]{64}$/,
  activate: /^(true|false)$/,
  card: /^[\s\S]{1,65536}$/,
} as const;
type UploadField = keyof typeof UPLOAD_FIELDS;

/** Labels files are a few hundred bytes; anything near this is not one. */
const MAX_LABELS_BYTES = 256 * 1024;
/** Room for the multipart framing and the text fields beside the model file. */
const MULTIPART_OVERHEAD = 1024 * 1024;

async function readCapped(part: MultipartFile, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of part.file) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      part.file.resume();
      throw new AppError('ERR_MODEL_LABELS', `The labels file is larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads the model file, hashing each chunk as it arrives (so the sha256 costs no extra pass over a
 * large file on the event loop), and stops at the size limit.
 */
async function readModel(part: MultipartFile, limit: number): Promise<{ bytes: Buffer; sha256: string }> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  for await (const chunk of part.file) {
    if (part.file.truncated) {
      chunks.length = 0;
      part.file.resume();
      throw new AppError('ERR_MODEL_TOO_LARGE', `The model file is larger than ${limit} bytes`);
    }
    hash.update(chunk as Buffer);
    chunks.push(chunk as Buffer);
  }
  if (part.file.truncated)
    throw new AppError('ERR_MODEL_TOO_LARGE', `The model file is larger than ${limit} bytes`);
  return { bytes: Buffer.concat(chunks), sha256: hash.digest('hex') };
}

interface Upload {
  model: Buffer;
  sha256: string;
  labels?: { text: string; fileName: string };
  fields: Partial<Record<UploadField, string>>;
}

async function readUpload(request: FastifyRequest, maxModelBytes: number): Promise<Upload> {
  if (!request.isMultipart())
    throw new AppError(
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      'Send the model as multipart/form-data in the field "model"',
    );
  // A declared length over the limit is refused before a byte of the body is read.
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxModelBytes + MULTIPART_OVERHEAD)
    throw new AppError('ERR_MODEL_TOO_LARGE', `The model file is larger than ${maxModelBytes} bytes`);
  let model: { bytes: Buffer; sha256: string } | undefined;
  let labels: Upload['labels'];
  const fields: Upload['fields'] = {};
  try {
    for await (const part of request.parts({
      limits: { fileSize: maxModelBytes, files: 2, fields: 10, fieldSize: 65536, parts: 12 },
    })) {
      if (part.type === 'file') {
        if (part.fieldname === 'model' && !model) model = await readModel(part, maxModelBytes);
        else if (part.fieldname === 'labels' && !labels) {
          const bytes = await readCapped(part, MAX_LABELS_BYTES);
          labels = { text: bytes.toString('utf8'), fileName: part.filename || 'labels.txt' };
        } else {
          part.file.resume();
          throw new AppError('ERR_VALIDATION', 'Send one file in "model" and at most one in "labels"');
        }
      } else {
        const name = part.fieldname as UploadField;
        if (!(name in UPLOAD_FIELDS))
          throw new AppError('ERR_VALIDATION', `Unknown form field "${part.fieldname.slice(0, 40)}"`);
        const value = String(part.value);
        if (!UPLOAD_FIELDS[name].test(value))
          throw new AppError('ERR_VALIDATION', `The form field "${name}" is invalid`);
        fields[name] = value;
      }
    }
  } catch (err) {
    // The plugin names this error for images; here the file is a model.
    if ((err as { code?: unknown }).code === 'FST_REQ_FILE_TOO_LARGE')
      throw new AppError('ERR_MODEL_TOO_LARGE', `The model file is larger than ${maxModelBytes} bytes`, {
        cause: err,
      });
    throw err;
  }
  if (!model || model.bytes.length === 0)
    throw new AppError('ERR_VALIDATION', 'Send the .onnx file in the form field "model"');
  return { model: model.bytes, sha256: model.sha256, ...(labels ? { labels } : {}), fields };
}

function cardInput(fields: Upload['fields']): ModelCardInput {
  const fromField = fields.card ? parseModelCardInput(fields.card, 'card.json') : {};
  const card: ModelCardInput = {
    ...fromField,
    ...(fields.id ? { id: fields.id } : {}),
    ...(fields.name ? { name: fields.name } : {}),
    ...(fields.version ? { version: fields.version } : {}),
  };
  return card;
}

const codeOf = (err: unknown): string => (isAppError(err) ? err.code : 'ERR_INTERNAL');

export const modelsRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['models'];
    // One upload at a time per server: each holds a whole model (up to onnx.maxModelBytes) in memory.
    let uploading = false;

    /** Runs an admin action and audits it, refused or not. */
    async function audited<T>(
      request: FastifyRequest,
      action: string,
      target: string | null,
      run: (details: Record<string, AuditDetailValue>) => Promise<T>,
    ): Promise<T> {
      const details: Record<string, AuditDetailValue> = {};
      const targetOf = () => {
        const id = target ?? details.model;
        return typeof id === 'string' ? { type: 'model', id } : null;
      };
      try {
        const value = await run(details);
        await request.audit(action, { target: targetOf(), details });
        return value;
      } catch (err) {
        await request.audit(action, {
          outcome: 'failure',
          target: targetOf(),
          details: { ...details, code: codeOf(err) },
        });
        throw err;
      }
    }

    const item = async (id: string) => {
      const { card, active } = await ctx.models.get(id);
      return toItem(card, active);
    };

    app.get(
      '/api/v1/models',
      {
        config: { access: 'viewer' },
        schema: {
          summary: 'Registered ONNX models with their model cards',
          tags,
          response: { 200: Type.Object({ items: Type.Array(ModelItem) }) },
        },
      },
      async () => ({ items: (await ctx.models.list()).map(({ card, active }) => toItem(card, active)) }),
    );

    app.post(
      '/api/v1/models',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Upload and register an ONNX model (admin)',
          description: `Multipart: file \`model\` (.onnx, at most onnx.maxModelBytes), optional file \`labels\` (.txt, data.yaml or .json; overrides the ONNX metadata), and fields \`engine\` (${MODEL_ENGINES.join(' or ')}, default onnx-detector), \`id\`, \`name\`, \`version\`, \`card\` (the model card fields as JSON), \`sha256\` (the file's expected sha256: a file changed on the way is refused) and \`activate\` (true/false). The model is checked before anything is stored: ONNX structure, loadable by the runtime, input and output layout, class names. Classes that map onto no TAXONOMY label are kept and listed in \`unmappedLabels\`.`,
          tags,
          consumes: ['multipart/form-data'],
          body: Type.Object({
            model: Type.String({ format: 'binary' }),
            labels: Type.Optional(Type.String({ format: 'binary' })),
            engine: Type.Optional(ModelEngineSchema),
            id: Type.Optional(Type.String()),
            name: Type.Optional(Type.String()),
            version: Type.Optional(Type.String()),
            card: Type.Optional(Type.String({ description: 'JSON', contentMediaType: 'application/json' })),
            sha256: Type.Optional(Type.String()),
            activate: Type.Optional(Type.String()),
          }),
          response: { 201: ModelItem, '4xx': ErrorSchema, '5xx': ErrorSchema },
        },
        // The multipart body is parsed by the handler below; the schema above documents it.
        validatorCompiler: () => () => true,
      },
      async (request, reply) => {
        const added = await audited(request, 'model.add', null, async (details) => {
          if (uploading) {
            throw new AppError('ERR_BUSY', 'Another model is being uploaded; retry when it is done', {
              headers: { 'Retry-After': '5' },
            });
          }
          uploading = true;
          try {
            const upload = await readUpload(request, ctx.config.onnx.maxModelBytes);
            const { sha256 } = upload;
            details.sha256 = sha256;
            details.sizeBytes = upload.model.length;
            const engine = (upload.fields.engine ?? 'onnx-detector') as ModelEngine;
            details.engine = engine;
            const expected = upload.fields.sha256?.toLowerCase();
            if (expected && expected !== sha256) {
              throw new AppError(
                'ERR_MODEL_HASH_MISMATCH',
                `The uploaded file's sha256 is ${sha256.slice(0, 12)}…, not the ${expected.slice(0, 12)}… it was sent with; it was changed on the way or is another file`,
                { details: { expected, actual: sha256 } },
              );
            }
            const card = await ctx.models.add({
              bytes: upload.model,
              engine,
              card: cardInput(upload.fields),
              ...(upload.labels ? { labels: upload.labels } : {}),
              addedBy: request.principal?.id ?? null,
              activate: upload.fields.activate === 'true',
            });
            details.model = card.id;
            details.unmappedLabels = card.unmappedClasses.length;
            const added = await item(card.id);
            details.active = added.active;
            return added;
          } finally {
            uploading = false;
          }
        });
        return reply.status(201).header('location', `/api/v1/models/${added.id}`).send(added);
      },
    );

    app.post(
      '/api/v1/models/:id/activate',
      {
        config: { access: 'admin' },
        schema: {
          summary: "Make a model its engine's active one (admin)",
          description:
            "The stored file's sha256 is checked first: a file that was altered or lost is refused with ERR_MODEL_HASH_MISMATCH and the active model stays as it was.",
          tags,
          params: IdParams,
          body: EmptyBody,
          response: { 200: ChangeResult, '4xx': ErrorSchema },
        },
      },
      async (request) =>
        audited(request, 'model.activate', request.params.id, async (details) => {
          const { card, previous } = await ctx.models.activate(request.params.id, {
            by: request.principal?.id ?? null,
          });
          details.engine = card.engine;
          details.previous = previous;
          details.sha256 = card.sha256;
          return { model: await item(card.id), previous };
        }),
    );

    app.post(
      '/api/v1/models/:id/deactivate',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Leave the engine of this active model without one (admin)',
          description:
            'Analyses with the engine must then name a model; the model stays registered. Refused when the model is not active.',
          tags,
          params: IdParams,
          body: EmptyBody,
          response: { 200: ChangeResult, '4xx': ErrorSchema },
        },
      },
      async (request) =>
        audited(request, 'model.deactivate', request.params.id, async (details) => {
          const { card, active } = await ctx.models.get(request.params.id);
          details.engine = card.engine;
          if (!active)
            throw new AppError('ERR_CONFLICT', `Model "${card.id}" is not the active ${card.engine} model`);
          const previous = await ctx.models.deactivate(card.engine, { by: request.principal?.id ?? null });
          details.previous = previous;
          return { model: null, previous };
        }),
    );

    app.post(
      '/api/v1/models/rollback',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Return an engine to the model active before its last change (admin)',
          description:
            'A second roll back undoes the first. Refused when there is no earlier model, it was removed, or its file no longer matches its sha256.',
          tags,
          body: Type.Object({ engine: ModelEngineSchema }, { additionalProperties: false }),
          response: { 200: ChangeResult, '4xx': ErrorSchema },
        },
      },
      async (request) =>
        audited(request, 'model.rollback', null, async (details) => {
          details.engine = request.body.engine;
          const { card, previous } = await ctx.models.rollback(request.body.engine, {
            by: request.principal?.id ?? null,
          });
          details.model = card.id;
          details.previous = previous;
          return { model: await item(card.id), previous };
        }),
    );

    app.get(
      '/api/v1/models/activations',
      {
        config: { access: 'admin' },
        schema: {
          summary: "Changes of an engine's active model, newest first (admin)",
          tags,
          querystring: Type.Object(
            {
              engine: ModelEngineSchema,
              limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ items: Type.Array(ModelActivationSchema) }), '4xx': ErrorSchema },
        },
      },
      async (request) => ({ items: await ctx.models.activations(request.query.engine, request.query.limit) }),
    );

    app.post(
      '/api/v1/models/:id/verify',
      {
        config: { access: 'admin' },
        schema: {
          summary: "Recompute a stored model's sha256 and compare it with its card (admin)",
          tags,
          params: IdParams,
          body: EmptyBody,
          response: {
            200: Type.Object({
              ok: Type.Boolean(),
              expected: Type.String(),
              /** null when the file is missing. */
              actual: Type.Union([Type.String(), Type.Null()]),
            }),
            '4xx': ErrorSchema,
          },
        },
      },
      async (request) =>
        audited(request, 'model.verify', request.params.id, async (details) => {
          const { card, ok, actual } = await ctx.models.verify(request.params.id);
          details.ok = ok;
          return { ok, expected: card.sha256, actual };
        }),
    );

    app.delete(
      '/api/v1/models/:id',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Remove a model and, when no other card uses it, its file (admin)',
          description: 'The active model of an engine needs `force=true` and leaves the engine without one.',
          tags,
          params: IdParams,
          querystring: Type.Object(
            { force: Type.Boolean({ default: false }) },
            { additionalProperties: false },
          ),
          response: { 204: Type.Null(), '4xx': ErrorSchema },
        },
      },
      async (request, reply) =>
        audited(request, 'model.remove', request.params.id, async (details) => {
          const card = await ctx.models.remove(request.params.id, {
            force: request.query.force,
            by: request.principal?.id ?? null,
          });
          details.engine = card.engine;
          details.sha256 = card.sha256;
        }).then(() => reply.status(204).send(null)),
    );
  };
