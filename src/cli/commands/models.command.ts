/**
 * `gramscope models add|list|show|activate|deactivate|rollback|history|remove|verify`: the model registry from the command line.
 * Models are checked before they are stored (ONNX structure, loadable by the runtime, input rank,
 * output layout, class names) and their sha256 is verified at every load.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { createModelRegistry } from '../../app/model-registry.js';
import { loadConfig } from '../../config/load-config.js';
import type { Config } from '../../config/config.schema.js';
import { AppError } from '../../errors.js';
import { MODEL_ENGINES, type ModelCard, type ModelEngine, type ModelEntry } from '../../models/model-card.js';
import {
  parseModelCardInput,
  type ModelCardInput,
  type ModelRegistryService,
} from '../../models/model-registry.service.js';
import { createBlobStore } from '../../store/create-blob-store.js';
import { openDatabase } from '../../store/database.js';
import { usageError } from '../output.js';

interface CommonFlags {
  data?: string;
  json?: boolean;
}

interface AddFlags extends CommonFlags {
  engine: string;
  id?: string;
  name?: string;
  version?: string;
  labels?: string;
  card?: string;
  activate?: boolean;
}

async function withRegistry<T>(
  flags: CommonFlags,
  fn: (registry: ModelRegistryService, config: Readonly<Config>) => Promise<T>,
): Promise<T> {
  const config = loadConfig(process.env, { 'storage.dataDir': flags.data });
  const store = await openDatabase({
    dataDir: config.storage.dataDir,
    databaseUrl: config.storage.databaseUrl,
  });
  // With an object store, model files are shared through it (as the server does).
  const blobs = config.storage.s3Bucket ? createBlobStore(config) : undefined;
  try {
    return await fn(createModelRegistry(config, store, undefined, blobs), config);
  } finally {
    blobs?.close?.();
    await store.close();
  }
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function summaryLine(card: ModelCard, active: boolean): string {
  const input =
    card.format.kind === 'detector'
      ? `${card.format.layout} ${card.format.inputWidth}x${card.format.inputHeight}${card.format.dynamicInput ? ' dynamic' : ''}`
      : `classifier ${card.format.inputSize}x${card.format.inputSize}`;
  const unmapped = card.unmappedClasses.length ? `; unmapped: ${card.unmappedClasses.join(', ')}` : '';
  return `${active ? '*' : ' '} ${card.id}\t${card.engine}\t${card.name} ${card.version}\t${input}\t${card.classes.length} classes${unmapped}\tsha256 ${card.sha256.slice(0, 12)}…`;
}

async function addModel(file: string, flags: AddFlags): Promise<void> {
  if (!(MODEL_ENGINES as readonly string[]).includes(flags.engine)) {
    throw usageError(`--engine must be one of ${MODEL_ENGINES.join(', ')}`);
  }
  await withRegistry(flags, async (registry, config) => {
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      throw new AppError('ERR_NOT_FOUND', `No such file: ${path.basename(file)}`);
    }
    // Refuse oversized files before reading a byte of them.
    if (size > config.onnx.maxModelBytes) {
      throw new AppError(
        'ERR_MODEL_TOO_LARGE',
        `The model file is larger than ${config.onnx.maxModelBytes} bytes`,
      );
    }
    const fromFile: ModelCardInput = flags.card
      ? parseModelCardInput(await readFile(flags.card, 'utf8'), flags.card)
      : {};
    const card: ModelCardInput = {
      ...fromFile,
      ...(flags.id ? { id: flags.id } : {}),
      ...(flags.version ? { version: flags.version } : {}),
      name: flags.name ?? fromFile.name ?? path.basename(file, path.extname(file)),
    };
    const labels = flags.labels
      ? { text: await readFile(flags.labels, 'utf8'), fileName: flags.labels }
      : undefined;
    const added = await registry.add({
      bytes: await readFile(file),
      engine: flags.engine as ModelEngine,
      card,
      ...(labels ? { labels } : {}),
      addedBy: 'cli',
      activate: !!flags.activate,
    });
    const { active } = await registry.get(added.id);
    if (flags.json) print(JSON.stringify({ ...added, active }));
    else {
      print(`added ${added.id}${active ? ' (active)' : ''}`);
      print(summaryLine(added, active));
      if (added.unmappedClasses.length) {
        print(
          `note: ${added.unmappedClasses.length} class(es) map onto no TAXONOMY label and keep their own names`,
        );
      }
    }
  });
}

function printEntries(entries: ModelEntry[], json: boolean | undefined): void {
  if (json) print(JSON.stringify(entries.map((e) => ({ ...e.card, active: e.active }))));
  else if (entries.length === 0) print('no models; add one with `gramscope models add <file.onnx>`');
  else for (const e of entries) print(summaryLine(e.card, e.active));
}

export function registerModels(program: Command): void {
  const models = program.command('models').description('Register, list, activate and remove ONNX models');
  const data = ['-d, --data <dir>', 'data directory (env GRAMSCOPE_DATA)'] as const;

  models
    .command('add')
    .description('Check and register an ONNX model with its model card')
    .argument('<file>', 'the .onnx file (Ultralytics YOLO export or an image classifier)')
    .option('-e, --engine <name>', `engine: ${MODEL_ENGINES.join(' or ')}`, 'onnx-detector')
    .option('--id <id>', 'model id (default: from name and version)')
    .option('--name <name>', 'model name (default: the file name)')
    .option('--version <version>', 'model version (default 1)')
    .option(
      '--labels <file>',
      'class names: .txt (one per line), data.yaml or .json; overrides the ONNX metadata',
    )
    .option(
      '--card <file>',
      'model card fields in YAML or JSON (training, intended use, metrics, thresholds)',
    )
    .option('--activate', 'make it the active model of its engine')
    .option(...data)
    .option('--json', 'print the card as JSON')
    .action((file: string, flags: AddFlags) => addModel(file, flags));

  models
    .command('list')
    .description('List registered models; * marks the active model of each engine')
    .option(...data)
    .option('--json', 'print JSON')
    .action((flags: CommonFlags) =>
      withRegistry(flags, async (registry) => printEntries(await registry.list(), flags.json)),
    );

  models
    .command('show')
    .description("Print a model's card as JSON")
    .argument('<id>')
    .option(...data)
    .action((id: string, flags: CommonFlags) =>
      withRegistry(flags, async (registry) => {
        const { card, active } = await registry.get(id);
        print(JSON.stringify({ ...card, active }, null, 2));
      }),
    );

  models
    .command('activate')
    .description('Make a model the one its engine uses when a request names none')
    .argument('<id>')
    .option(...data)
    .action((id: string, flags: CommonFlags) =>
      withRegistry(flags, async (registry) => {
        const { card, previous } = await registry.activate(id, { by: 'cli' });
        print(
          `${card.id} is now the active ${card.engine} model${previous && previous !== card.id ? ` (was ${previous})` : ''}`,
        );
      }),
    );

  const engineArgument = (engine: string): ModelEngine => {
    if (!(MODEL_ENGINES as readonly string[]).includes(engine))
      throw usageError(`the engine must be one of ${MODEL_ENGINES.join(', ')}`);
    return engine as ModelEngine;
  };

  models
    .command('deactivate')
    .description('Leave an engine without an active model (requests must then name one)')
    .argument('<engine>', MODEL_ENGINES.join(' or '))
    .option(...data)
    .action((engine: string, flags: CommonFlags) =>
      withRegistry(flags, async (registry) => {
        const previous = await registry.deactivate(engineArgument(engine), { by: 'cli' });
        print(previous ? `${engine} has no active model (was ${previous})` : `${engine} had no active model`);
      }),
    );

  models
    .command('rollback')
    .description('Return an engine to the model that was active before its last change')
    .argument('<engine>', MODEL_ENGINES.join(' or '))
    .option(...data)
    .action((engine: string, flags: CommonFlags) =>
      withRegistry(flags, async (registry) => {
        const { card, previous } = await registry.rollback(engineArgument(engine), { by: 'cli' });
        print(`${card.id} is again the active ${card.engine} model${previous ? ` (was ${previous})` : ''}`);
      }),
    );

  models
    .command('history')
    .description("Changes of an engine's active model, newest first")
    .argument('<engine>', MODEL_ENGINES.join(' or '))
    .option(...data)
    .option('--json', 'print JSON')
    .action((engine: string, flags: CommonFlags) =>
      withRegistry(flags, async (registry) => {
        const items = await registry.activations(engineArgument(engine));
        if (flags.json) print(JSON.stringify(items));
        else
          for (const h of items)
            print(`${h.at}\t${h.action}\t${h.previousModelId ?? '-'} -> ${h.modelId ?? '-'}\t${h.by ?? ''}`);
      }),
    );

  models
    .command('remove')
    .description('Remove a model and, when no other model uses it, its file')
    .argument('<id>')
    .option('--force', 'remove even the active model of its engine')
    .option(...data)
    .action((id: string, flags: CommonFlags & { force?: boolean }) =>
      withRegistry(flags, async (registry) => {
        const card = await registry.remove(id, { force: !!flags.force, by: 'cli' });
        print(`removed ${card.id}`);
      }),
    );

  models
    .command('verify')
    .description("Recompute stored models' sha256 and compare with their cards")
    .argument('[id]', 'one model (default: all)')
    .option(...data)
    .action((id: string | undefined, flags: CommonFlags) =>
      withRegistry(flags, async (registry) => {
        const ids = id ? [id] : (await registry.list()).map((e) => e.card.id);
        let bad = 0;
        for (const each of ids) {
          const { ok, actual } = await registry.verify(each);
          if (!ok) bad++;
          print(`${each}\t${ok ? 'ok' : actual === null ? 'MISSING FILE' : 'SHA256 MISMATCH'}`);
        }
        if (bad > 0) {
          throw new AppError('ERR_MODEL_HASH_MISMATCH', `${bad} model file(s) do not match their cards`);
        }
      }),
    );
}
