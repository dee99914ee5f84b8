import { Value } from '@sinclair/typebox/value';
import { AppError } from '../errors.js';
import { ConfigSchema, SETTINGS, type Config, type Setting } from './config.schema.js';

export type ConfigOverrides = Partial<
  Record<string, string | number | boolean | readonly string[] | undefined>
>;

function parse(setting: Setting, raw: string): { value?: unknown; problem?: string } {
  switch (setting.kind) {
    case 'string':
      return { value: raw };
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim())) return { problem: 'must be an integer' };
      return { value: Number.parseInt(raw, 10) };
    }
    case 'number': {
      const n = Number(raw);
      return Number.isFinite(n) && raw.trim() !== '' ? { value: n } : { problem: 'must be a number' };
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return { value: true };
      if (['0', 'false', 'no', 'off', ''].includes(v)) return { value: false };
      return { problem: 'must be true or false' };
    }
    case 'list':
      return {
        value: raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      };
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Builds the configuration from defaults, then the environment, then explicit overrides (CLI flags,
 * keyed by dotted path), validates it once and freezes it. Every invalid setting is named in one
 * ERR_CONFIG_INVALID error.
 *
 * @example
 * const config = loadConfig(process.env, { 'server.port': 9000 });
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: ConfigOverrides = {},
): Readonly<Config> {
  const draft: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const setting of SETTINGS) {
    let value: unknown = setting.default;
    const raw = env[setting.env];
    if (raw !== undefined) {
      const parsed = parse(setting, raw);
      if (parsed.problem) problems.push(`${setting.env} ${parsed.problem}`);
      else value = parsed.value;
    }
    const override = overrides[setting.path];
    if (override !== undefined) {
      if (typeof override === 'string' && setting.kind !== 'string') {
        const parsed = parse(setting, override);
        if (parsed.problem) problems.push(`${setting.path} ${parsed.problem}`);
        else value = parsed.value;
      } else value = override;
    }
    setPath(draft, setting.path, Array.isArray(value) ? [...(value as string[])] : value);
  }
  for (const error of Value.Errors(ConfigSchema, draft)) {
    const setting = SETTINGS.find((s) => `/${s.path.replaceAll('.', '/')}` === error.path);
    problems.push(`${setting?.env ?? error.path}: ${error.message}`);
  }
  if (problems.length > 0) {
    throw new AppError('ERR_CONFIG_INVALID', `Invalid configuration: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  return deepFreeze(draft as Config);
}
