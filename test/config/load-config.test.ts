import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { AppError } from '../../src/errors.js';

describe('loadConfig', () => {
  it('uses defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(config.storage.dataDir).toBe('./data');
    expect(config.analysis.defaultEngine).toBe('morphology');
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('reads the environment and lets flags win', () => {
    const config = loadConfig(
      { GRAMSCOPE_PORT: '9000', GRAMSCOPE_HOST: '::1', GRAMSCOPE_DATA: '/tmp/x' },
      { 'server.port': 9100 },
    );
    expect(config.server.port).toBe(9100);
    expect(config.server.host).toBe('::1');
    expect(config.storage.dataDir).toBe('/tmp/x');
  });

  it('names every invalid setting in one error', () => {
    try {
      loadConfig({ GRAMSCOPE_PORT: 'eighty', GRAMSCOPE_RETAIN_IMAGES: 'maybe', GRAMSCOPE_MAX_PIXELS: '5' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      const e = err as AppError;
      expect(e.code).toBe('ERR_CONFIG_INVALID');
      expect(e.message).toContain('GRAMSCOPE_PORT');
      expect(e.message).toContain('GRAMSCOPE_RETAIN_IMAGES');
      expect(e.message).toContain('GRAMSCOPE_MAX_PIXELS');
    }
  });

  it('refuses a port out of range from a flag', () => {
    expect(() => loadConfig({}, { 'server.port': 70000 })).toThrow(/server|GRAMSCOPE_PORT/);
  });
});
