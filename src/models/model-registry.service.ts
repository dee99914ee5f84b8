/**
 * The model registry: adds ONNX models with their cards, lists them, chooses the active model per
 * engine, removes them, and resolves a model for an engine. Every add checks the file before anything
 * is stored — size, ONNX structure, that the runtime can load it, input rank and output layout — and a
 * failed add leaves every stored model as it was. The admin upload route and `gramscope models`
 * both call this service.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseYaml } from './lazy-yaml.js';
import { AppError } from '../errors.js';
import {
  ClassifierSettingsSchema,
  DEFAULT_CLASSIFIER_SETTINGS,
  DEFAULT_DETECTOR_SETTINGS,
  DetectorSettingsSchema,
  MODEL_ID_PATTERN,
  ModelCardSchema,
  type ClassifierFormat,
  type DetectorFormat,
  type ModelActivation,
  type ModelCard,
  type ModelEngine,
  type ModelEntry,
} from './model-card.js';
import type { ModelFileStore } from './model-files.js';
import { mapClassNames, parseLabelsFile } from './model-labels.js';
import type { ModelResolver, ResolvedModel } from './model-resolver.js';
import type { ModelsRepository } from './models.repository.js';
import type { OnnxModelInfo } from './onnx-format/read-model-info.js';

/** What the engine-specific probe learns by loading the model in the runtime. */
export interface ModelProbeResult {
  readonly format: DetectorFormat | ClassifierFormat;
  readonly classNames: readonly string[];
}

export interface ModelProbeOptions {
  readonly classNames?: readonly string[] | undefined;
  readonly inputSize?: number | undefined;
}

/** Loads a stored model in the runtime and describes it; throws ERR_MODEL_… when it cannot serve it. */
export interface ModelProbe {
  probe(
    filePath: string,
    sha256: string,
    engine: ModelEngine,
    info: OnnxModelInfo,
    options: ModelProbeOptions,
  ): Promise<ModelProbeResult>;
}

/** The card fields a person supplies (flags, or a YAML/JSON card file); the rest is measured. */
export const ModelCardInputSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: MODEL_ID_PATTERN })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    training: Type.Optional(
      Type.Object(
        {
          description: Type.Optional(Type.String({ maxLength: 4000 })),
          micronsPerPixel: Type.Optional(
            Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 100 }), Type.Null()]),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    intendedUse: Type.Optional(Type.String({ maxLength: 4000 })),
    validation: Type.Optional(
      Type.Object(
        {
          description: Type.Optional(Type.String({ maxLength: 4000 })),
          metrics: Type.Optional(Type.Record(Type.String(), Type.Number())),
        },
        { additionalProperties: false },
      ),
    ),
    /** Letterbox size for detectors with dynamic axes (Ultralytics `imgsz`). */
    inputSize: Type.Optional(Type.Integer({ minimum: 32, maximum: 8192 })),
    detector: Type.Optional(Type.Partial(DetectorSettingsSchema, { additionalProperties: false })),
    classifier: Type.Optional(Type.Partial(ClassifierSettingsSchema, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type ModelCardInput = Static<typeof ModelCardInputSchema>;

function validationError(what: string, schema: Parameters<typeof Value.Errors>[0], value: unknown): AppError {
  const problems = [...Value.Errors(schema, value)].slice(0, 10).map((e) => `${e.path || '/'} ${e.message}`);
  return new AppError('ERR_VALIDATION', `${what}: ${problems.join('; ')}`, { details: { problems } });
}

/**
 * Parses a model card file (YAML or JSON) written by a person.
 *
 * @example
 * const input = parseModelCardInput(await readFile('card.yaml', 'utf8'), 'card.yaml');
 */
export function parseModelCardInput(text: string, fileName: string): ModelCardInput {
  let value: unknown;
  try {
    value = fileName.toLowerCase().endsWith('.json')
      ? JSON.parse(text)
      : parseYaml(text, { maxAliasCount: 10 });
  } catch (err) {
    throw new AppError('ERR_VALIDATION', 'The model card file is not valid YAML or JSON', { cause: err });
  }
  if (!Value.Check(ModelCardInputSchema, value))
    throw validationError('Model card', ModelCardInputSchema, value);
  return value;
}

export interface AddModelInput {
  readonly bytes: Uint8Array;
  readonly engine: ModelEngine;
  readonly card?: ModelCardInput;
  /** A labels file overriding the class names in the ONNX metadata. */
  readonly labels?: { readonly text: string; readonly fileName: string };
  readonly addedBy?: string | null;
  /** Make it the engine's active model (the first model of an engine always becomes active). */
  readonly activate?: boolean;
}

export interface ModelRegistryDeps {
  readonly repository: ModelsRepository;
  readonly files: ModelFileStore;
  readonly probe: ModelProbe;
  readonly maxBytes: number;
  /** Called after a change that affects which model an engine resolves (to evict cached engines). */
  readonly onChange?: (engine: ModelEngine, id: string) => void | Promise<void>;
  readonly now?: () => Date;
}

const slug = (text: string): string =>
  text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '')
    .slice(0, 80);

const DEFAULT_INTENDED_USE =
  'Decision support for reviewing Gram-stained smears of positive blood cultures; results are preliminary until a qualified person reviews them.';

/** How long an engine's active model id is taken as known before the database is asked again. */
const ACTIVE_ID_TTL_MS = 1000;

export class ModelRegistryService implements ModelResolver {
  readonly #deps: ModelRegistryDeps;
  readonly #activeIds = new Map<ModelEngine, { id: string | null; at: number }>();

  constructor(deps: ModelRegistryDeps) {
    this.#deps = deps;
  }

  /**
   * Checks, stores and registers a model. Returns its card.
   *
   * @example
   * const card = await registry.add({ bytes, engine: 'onnx-detector', card: { name: 'Gram YOLOv5x', version: '2024.1' } });
   */
  async add(input: AddModelInput): Promise<ModelCard> {
    const { bytes, engine } = input;
    const user = input.card ?? {};
    if (!Value.Check(ModelCardInputSchema, user))
      throw validationError('Model card', ModelCardInputSchema, user);
    if (bytes.length > this.#deps.maxBytes) {
      throw new AppError('ERR_MODEL_TOO_LARGE', `The model file is larger than ${this.#deps.maxBytes} bytes`);
    }
    // The ONNX reader (protobufjs) loads with the first model registered, not at start.
    const { readOnnxModelInfo } = await import('./onnx-format/read-model-info.js');
    const info = readOnnxModelInfo(bytes);
    const name = user.name ?? info.metadata.description?.slice(0, 200) ?? '';
    if (!name) throw new AppError('ERR_VALIDATION', 'The model needs a name');
    const version = user.version ?? '1';
    const id = user.id ?? slug(`${name}-${version}`);
    if (!new RegExp(MODEL_ID_PATTERN).test(id)) {
      throw new AppError(
        'ERR_VALIDATION',
        `"${id}" is not a valid model id (lowercase letters, digits, . _ -)`,
      );
    }
    if (await this.#deps.repository.find(id))
      throw new AppError('ERR_CONFLICT', `A model "${id}" already exists`);
    const classNamesFromFile = input.labels
      ? parseLabelsFile(input.labels.text, input.labels.fileName)
      : undefined;

    const stored = await this.#deps.files.put(bytes);
    let card: ModelCard;
    try {
      const probed = await this.#deps.probe.probe(stored.path, stored.sha256, engine, info, {
        classNames: classNamesFromFile,
        inputSize: user.inputSize,
      });
      const { classes, unmapped } = mapClassNames(probed.classNames);
      const mainOpset = info.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0;
      card = {
        id,
        name,
        version,
        engine,
        description: user.description ?? info.docString.slice(0, 4000),
        format: probed.format,
        classes,
        unmappedClasses: unmapped,
        training: {
          description: user.training?.description ?? '',
          micronsPerPixel: user.training?.micronsPerPixel ?? null,
        },
        intendedUse: user.intendedUse ?? DEFAULT_INTENDED_USE,
        validation: {
          description: user.validation?.description ?? '',
          metrics: user.validation?.metrics ?? {},
        },
        ...(engine === 'onnx-detector'
          ? { detector: { ...DEFAULT_DETECTOR_SETTINGS, ...user.detector } }
          : { classifier: { ...DEFAULT_CLASSIFIER_SETTINGS, ...user.classifier } }),
        sha256: stored.sha256,
        sizeBytes: bytes.length,
        producer: [info.producer.name, info.producer.version].filter(Boolean).join(' '),
        opset: mainOpset,
        addedAt: (this.#deps.now?.() ?? new Date()).toISOString(),
        addedBy: input.addedBy ?? null,
      };
      if (!Value.Check(ModelCardSchema, card)) throw validationError('Model card', ModelCardSchema, card);
      if (engine === 'onnx-crop-classifier') checkBackgroundClass(card);
      // Shared before the card exists, so every replica that sees the card can fetch the file.
      await this.#deps.files.publish(stored.sha256, bytes);
      await this.#deps.repository.insert(card);
    } catch (err) {
      // Only a file this add created goes; one already referenced by another card stays.
      if (stored.created && (await this.#deps.repository.countBySha256(stored.sha256)) === 0) {
        await this.#deps.files.remove(stored.sha256);
      }
      throw err;
    }
    const active = await this.#deps.repository.findActive(engine);
    if (input.activate || !active) await this.activate(id, { by: input.addedBy ?? null });
    return card;
  }

  list(): Promise<ModelEntry[]> {
    return this.#deps.repository.list();
  }

  async get(id: string): Promise<ModelEntry> {
    const entry = await this.#deps.repository.find(id);
    if (!entry) throw new AppError('ERR_MODEL_NOT_FOUND', `No model "${id}"`);
    return entry;
  }

  /**
   * Makes a model its engine's active one, after checking that its stored file still has the sha256
   * its card records (a tampered or missing file is refused and the active model stays as it was).
   * Returns the card and the model that was active before.
   */
  async activate(
    id: string,
    options: { by?: string | null; action?: 'activate' | 'rollback' } = {},
  ): Promise<{ card: ModelCard; previous: string | null }> {
    const { card } = await this.get(id);
    await this.#assertIntact(card);
    const previous = await this.#deps.repository.activate(id, {
      action: options.action ?? 'activate',
      by: options.by ?? null,
      at: this.#now(),
    });
    this.#activeIds.delete(card.engine);
    await this.#deps.onChange?.(card.engine, id);
    return { card, previous };
  }

  /** Leaves the engine without an active model; analyses then name a model or use another engine. */
  async deactivate(engine: ModelEngine, options: { by?: string | null } = {}): Promise<string | null> {
    const previous = await this.#deps.repository.deactivate(engine, {
      by: options.by ?? null,
      at: this.#now(),
    });
    this.#activeIds.delete(engine);
    if (previous) await this.#deps.onChange?.(engine, previous);
    return previous;
  }

  /**
   * Returns the engine to the model that was active before its last change (a second roll back
   * undoes the first). Refused when there is no such model, or it was removed, or its file changed.
   */
  async rollback(
    engine: ModelEngine,
    options: { by?: string | null } = {},
  ): Promise<{ card: ModelCard; previous: string | null }> {
    const [last] = await this.#deps.repository.activations(engine, 1);
    const target = last?.previousModelId ?? null;
    if (!target) {
      throw new AppError(
        'ERR_CONFLICT',
        `No earlier ${engine} model to roll back to${last ? '' : ' (its active model was never changed)'}`,
      );
    }
    if (!(await this.#deps.repository.find(target))) {
      throw new AppError(
        'ERR_MODEL_NOT_FOUND',
        `The earlier ${engine} model "${target}" has been removed; add it again or activate another`,
      );
    }
    return this.activate(target, { by: options.by ?? null, action: 'rollback' });
  }

  activations(engine: ModelEngine, limit = 50): Promise<ModelActivation[]> {
    return this.#deps.repository.activations(engine, limit);
  }

  /** Removes a model and, when no other card uses it, its file. The active model needs `force`. */
  async remove(id: string, options: { force?: boolean; by?: string | null } = {}): Promise<ModelCard> {
    const { card, active } = await this.get(id);
    if (active && !options.force) {
      throw new AppError(
        'ERR_CONFLICT',
        `Model "${id}" is the active ${card.engine} model; activate another first or remove it with --force`,
      );
    }
    // Recorded as a deactivation first, so the history says why the engine lost its model.
    if (active)
      await this.#deps.repository.deactivate(card.engine, { by: options.by ?? null, at: this.#now() });
    await this.#deps.repository.remove(id);
    this.#activeIds.delete(card.engine);
    if ((await this.#deps.repository.countBySha256(card.sha256)) === 0)
      await this.#deps.files.remove(card.sha256);
    await this.#deps.onChange?.(card.engine, id);
    return card;
  }

  /**
   * The engine's active model id, asked of the database at most once a second per engine: engines
   * key their loaded session by it, so a change made by another replica or the CLI reaches this
   * one within a second, at the cost of one small query per second of analyses.
   */
  async activeId(engine: ModelEngine): Promise<string | null> {
    const known = this.#activeIds.get(engine);
    const now = performance.now();
    if (known && now - known.at < ACTIVE_ID_TTL_MS) return known.id;
    const id = (await this.#deps.repository.findActive(engine))?.card.id ?? null;
    this.#activeIds.set(engine, { id, at: now });
    return id;
  }

  #now(): string {
    return (this.#deps.now?.() ?? new Date()).toISOString();
  }

  async #assertIntact(card: ModelCard): Promise<void> {
    await this.#deps.files.ensureLocal(card.sha256);
    const actual = await this.#deps.files.hash(card.sha256);
    if (actual === card.sha256) return;
    throw new AppError(
      'ERR_MODEL_HASH_MISMATCH',
      actual === null
        ? `The file of model "${card.id}" is missing from the models folder`
        : `The file of model "${card.id}" no longer matches its recorded sha256 (${card.sha256.slice(0, 12)}…); it was altered or corrupted`,
      { details: { expected: card.sha256, actual } },
    );
  }

  /** Recomputes the stored file's sha256 and compares it with the card. */
  async verify(id: string): Promise<{ card: ModelCard; ok: boolean; actual: string | null }> {
    const { card } = await this.get(id);
    const actual = await this.#deps.files.hash(card.sha256);
    return { card, ok: actual === card.sha256, actual };
  }

  async resolve(engine: ModelEngine, id?: string): Promise<ResolvedModel> {
    const entry = id ? await this.#deps.repository.find(id) : await this.#deps.repository.findActive(engine);
    if (!entry) {
      throw new AppError(
        'ERR_MODEL_NOT_FOUND',
        id ? `No model "${id}"` : `No ${engine} model is active; add one with \`gramscope models add\``,
      );
    }
    if (entry.card.engine !== engine) {
      throw new AppError(
        'ERR_VALIDATION',
        `Model "${entry.card.id}" is for ${entry.card.engine}, not ${engine}`,
      );
    }
    return { card: entry.card, filePath: await this.#deps.files.ensureLocal(entry.card.sha256) };
  }
}

function checkBackgroundClass(card: ModelCard): void {
  const background = card.classifier?.backgroundClass;
  if (background && !card.classes.some((c) => c.name === background)) {
    throw new AppError(
      'ERR_MODEL_LABELS',
      `The classifier has no "${background}" class (classes: ${card.classes.map((c) => c.name).join(', ')}); set classifier.backgroundClass in the card`,
    );
  }
}
