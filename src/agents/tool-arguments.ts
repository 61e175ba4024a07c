/**
 * Arguments of a tenant's HTTP tool are checked against the JSON schema the tenant declared before
 * anything is sent: a model talked into adding a field (another contact's id, a URL, a wildcard)
 * is refused, not forwarded. Properties the schema does not list are extra unless the schema says
 * `additionalProperties` itself. Ajv (the JSON Schema validator Fastify uses) does the checking.
 *
 * A property annotated `"x-omni-bind": "contact_external_id"` (or contact_id, contact_phone,
 * contact_email, conversation_id) is the conversation's, not the model's: it is hidden from the
 * model's schema and filled by Omni, so a tool such as "my orders" can only ever ask about the
 * contact who is talking.
 */
import { Ajv, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: false, strict: false });
/** Validators by schema text: a tenant's few tools are compiled once, not every turn. */
const compiled = new Map<string, ValidateFunction>();

export const BINDINGS = [
  'contact_id',
  'contact_external_id',
  'contact_phone',
  'contact_email',
  'conversation_id',
] as const;
export type Binding = (typeof BINDINGS)[number];
export type ConversationFacts = Record<Binding, string | null>;

type Properties = Record<string, Record<string, unknown>>;

function propertiesOf(parameters: Record<string, unknown>): Properties {
  const properties = parameters.properties;
  return properties && typeof properties === 'object' ? (properties as Properties) : {};
}

function boundProperties(parameters: Record<string, unknown>): Array<[string, Binding]> {
  return Object.entries(propertiesOf(parameters)).flatMap(([name, property]) => {
    const binding = property['x-omni-bind'];
    return BINDINGS.includes(binding as Binding) ? [[name, binding as Binding]] : [];
  });
}

/**
 * The schema the model sees and its arguments must fit: the declared properties minus the bound
 * ones, and nothing else.
 */
export function closedSchema(parameters: Record<string, unknown>): Record<string, unknown> {
  const bound = new Set(boundProperties(parameters).map(([name]) => name));
  const properties = Object.fromEntries(
    Object.entries(propertiesOf(parameters)).filter(([name]) => !bound.has(name)),
  );
  const required = Array.isArray(parameters.required)
    ? (parameters.required as string[]).filter((name) => !bound.has(name))
    : undefined;
  return {
    ...parameters,
    type: 'object',
    properties,
    ...(required ? { required } : {}),
    additionalProperties: parameters.additionalProperties ?? false,
  };
}

/** The model's arguments with the bound properties filled from the conversation. */
export function withBoundArguments(
  parameters: Record<string, unknown>,
  input: unknown,
  facts: ConversationFacts,
): Record<string, unknown> {
  const args = {
    ...((input && typeof input === 'object' ? input : {}) as Record<string, unknown>),
  };
  for (const [name, binding] of boundProperties(parameters)) args[name] = facts[binding] ?? '';
  return args;
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
