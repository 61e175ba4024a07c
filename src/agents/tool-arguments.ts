/**
 * Arguments of a tenant's HTTP tool are checked against the JSON schema the tenant declared before
 * anything is sent: a model talked into adding a field (another contact's id, a URL, a wildcard)
 * is refused, not forwarded. Properties the schema does not list are extra unless the schema says
 * `additionalProperties` itself. Ajv (the JSON Schema validator Fastify uses) does the checking.
 */
import { Ajv, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: false, strict: false });
/** Validators by schema text: a tenant's few tools are compiled once, not every turn. */
const compiled = new Map<string, ValidateFunction>();

/** The schema as enforced: an object of the declared properties and nothing else. */
export function closedSchema(parameters: Record<string, unknown>): Record<string, unknown> {
  const schema = Object.keys(parameters).length > 0 ? parameters : { properties: {} };
  return {
    ...schema,
    type: 'object',
    additionalProperties: schema.additionalProperties ?? false,
  };
}

/** Undefined when the arguments fit; else a short reason the model can read. */
export function argumentProblem(
  parameters: Record<string, unknown>,
  input: unknown,
): string | undefined {
  const key = JSON.stringify(parameters);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(closedSchema(parameters));
    compiled.set(key, validate);
  }
  if (validate(input ?? {})) return undefined;
  const error = validate.errors?.[0];
  if (!error) return 'the arguments do not fit the schema';
  const where = error.instancePath || 'the arguments';
  return error.keyword === 'additionalProperties'
    ? `${where} may not have "${(error.params as { additionalProperty: string }).additionalProperty}"`
    : `${where} ${error.message ?? 'do not fit the schema'}`;
}
