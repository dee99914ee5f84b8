import { Type } from '@sinclair/typebox';

/** Every error response body. */
export const ErrorSchema = Type.Object(
  {
    code: Type.String({ pattern: '^ERR_[A-Z0-9_]+$' }),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'Error' },
);
