/**
 * Configuration: the one place that reads `process.env`. Resolved once at start; invalid values
 * stop the process with a message naming the variable and what it expects.
 */
import type { z } from 'zod';
import { configSchema, type VariableMeta, variables } from './variables.ts';

export type Config = z.infer<typeof configSchema>;
export type VariableName = keyof typeof variables;
export { systemEnvironment } from './system-environment.ts';
export { type UnknownVariable, unknownVariables } from './unknown.ts';
export type { VariableGroup, VariableMeta } from './variables.ts';

/** SPEC §1: embedded (PGlite), postgres (DATABASE_URL), scale (DATABASE_URL + REDIS_URL). */
export type DeploymentProfile = 'embedded' | 'postgres' | 'scale';

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string | undefined> = {};
  for (const name of Object.keys(variables)) input[name] = env[name];
  const parsed = configSchema.safeParse(input);
  if (parsed.success) return parsed.data;

  const problems = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'configuration');
    const meta = variableMeta(name as VariableName);
    const raw = input[name];
    const shown = meta?.secret || raw === undefined ? '' : ` (got "${raw}")`;
    return `${name} ${issue.message}${shown}`;
  });
  throw new ConfigError(problems);
}

export function variableMeta(name: VariableName): VariableMeta | undefined {
  return variables[name]?.meta() as VariableMeta | undefined;
}

export function listVariables(): Array<{ name: VariableName } & VariableMeta> {
  return (Object.keys(variables) as VariableName[]).map((name) => ({
    name,
    ...(variableMeta(name) as VariableMeta),
  }));
}

export function deploymentProfile(config: Config): DeploymentProfile {
  if (!config.DATABASE_URL) return 'embedded';
  return config.REDIS_URL ? 'scale' : 'postgres';
}

export function publicUrl(config: Config, port = config.PORT): string {
  return config.PUBLIC_URL ?? `http://localhost:${port}`;
}
