/**
 * A validator for JSON bodies where Fastify's default Ajv settings would change meaning: its
 * `coerceTypes` turns `null` into `0` for `integer | null` (a box "added by the reviewer" would
 * become "engine detection 0"), and `removeAdditional` silently drops unknown fields. TypeBox's
 * compiled checker neither coerces nor strips.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';

/** Used as a route's `validatorCompiler` (it validates params and querystring the same way). */
export const strictBodyValidator = ({ schema }: { schema: unknown }) => {
  const check = TypeCompiler.Compile(schema as TSchema);
  return (data: unknown) => {
    if (check.Check(data)) return { value: data };
    const first = check.Errors(data).First();
    const where = first?.path ? `body${first.path.replaceAll('/', '.')}` : 'body';
    return { error: new Error(`${where}: ${first?.message ?? 'invalid'}`) };
  };
};
