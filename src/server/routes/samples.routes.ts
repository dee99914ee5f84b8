import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '../../errors.js';
import { ErrorSchema } from '../schemas.js';

const SAMPLE_NAME = /^[a-z0-9][a-z0-9_-]{0,80}\.(jpg|png)$/;

/**
 * Bundled synthetic sample fields (made by `gramscope synth`, see samples/README.md), so a newcomer
 * can try the app at once. Names are matched against a strict pattern and read from one folder.
 */
export const samplesRoutes =
  (samplesDir: string): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const list = async (): Promise<string[]> => {
      try {
        return (await readdir(samplesDir)).filter((f) => SAMPLE_NAME.test(f)).sort();
      } catch {
        return [];
      }
    };

    app.get(
      '/api/v1/samples',
      {
        config: { access: 'viewer' },
        schema: {
          summary: 'Bundled synthetic sample fields',
          tags: ['samples'],
          response: {
            200: Type.Object({ items: Type.Array(Type.Object({ name: Type.String(), url: Type.String() })) }),
          },
        },
      },
      async () => ({ items: (await list()).map((name) => ({ name, url: `/api/v1/samples/${name}` })) }),
    );

    app.get(
      '/api/v1/samples/:name',
      {
        config: { access: 'viewer' },
        schema: {
          summary: 'One sample field',
          tags: ['samples'],
          params: Type.Object({ name: Type.String({ maxLength: 100 }) }),
          response: { 200: Type.Any(), '4xx': ErrorSchema },
        },
      },
      async (request, reply) => {
        const { name } = request.params;
        if (!SAMPLE_NAME.test(name) || !(await list()).includes(name))
          throw new AppError('ERR_NOT_FOUND', 'No such sample');
        const bytes = await readFile(path.join(samplesDir, name));
        return reply
          .type(name.endsWith('.png') ? 'image/png' : 'image/jpeg')
          .header('cache-control', 'public, max-age=3600')
          .send(bytes);
      },
    );
  };
