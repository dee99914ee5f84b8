import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../app/context.js';
import { AppError } from '../../errors.js';
import { ErrorSchema } from '../schemas.js';

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '^[^\\u0000-\\u001f]*$' });

const ProfileInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9 ._()×-]*$' }),
    microscope: Text(200),
    camera: Text(200),
    objective: Text(100),
    micronsPerPixel: Type.Number({ exclusiveMinimum: 0, maximum: 100 }),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

const Profile = Type.Object({
  id: Type.String(),
  name: Type.String(),
  microscope: Type.String(),
  camera: Type.String(),
  objective: Type.String(),
  micronsPerPixel: Type.Number(),
  notes: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** Calibration profiles: microscope + objective + camera → micrometres per pixel. */
export const profilesRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['profiles'];

    app.get(
      '/api/v1/profiles',
      {
        config: { access: 'viewer' },
        schema: {
          summary: 'Calibration profiles',
          tags,
          response: { 200: Type.Object({ items: Type.Array(Profile) }) },
        },
      },
      async () => ({
        items: await ctx.profiles.list(),
      }),
    );

    app.post(
      '/api/v1/profiles',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Create a calibration profile',
          tags,
          body: ProfileInput,
          response: { 201: Profile, '4xx': ErrorSchema },
        },
      },
      async (request, reply) => reply.status(201).send(await ctx.profiles.create(request.body)),
    );

    app.put(
      '/api/v1/profiles/:id',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Replace a calibration profile',
          tags,
          params: IdParams,
          body: ProfileInput,
          response: { 200: Profile, '4xx': ErrorSchema },
        },
      },
      async (request) => ctx.profiles.update(request.params.id, request.body),
    );

    app.delete(
      '/api/v1/profiles/:id',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Delete a calibration profile',
          tags,
          params: IdParams,
          response: { 204: Type.Null(), '4xx': ErrorSchema },
        },
      },
      async (request, reply) => {
        if (!(await ctx.profiles.remove(request.params.id)))
          throw new AppError('ERR_PROFILE_UNKNOWN', 'No such calibration profile');
        return reply.status(204).send(null);
      },
    );
  };
