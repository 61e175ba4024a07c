/**
 * The deployment artifacts (Dockerfile, docker-compose*.yml, k8s/production, deploy/systemd) agree
 * with the code: every `omni` command they run exists with the options they pass, every variable
 * they give Omni is in the configuration schema and passes it, every probe path is a real route of
 * a real server, and the names the runbooks type (`docker compose logs -f api`,
 * `kubectl rollout undo deployment/agente-api`, `systemctl start agente-api`, …) exist.
 * No container engine or cluster runs here: the files are read, not run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKER_ROLES } from '../../src/cli/commands/serve.ts';
import { loadConfig, type VariableName, variableMeta } from '../../src/config/index.ts';
import { variables } from '../../src/config/variables.ts';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { runOmni } from '../support/cli.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import {
  dockerfileInstructions,
  envAssignments,
  headerComment,
  interpolate,
  interpolatedNames,
  type K8sObject,
  k8sFile,
  k8sObjects,
  readYaml,
  systemdUnit,
} from './parse.ts';

const SEED_001 = '001 (Runbook Júlia)';
const SEED_002 = '002 (MultiAgent Customer Support)';
const SEED_004 = '004 (Agente de IA)';

const PACKAGE = JSON.parse(readFileSync('package.json', 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
};

/** Variables a container may carry that are not Omni's: Node's own. */
const NODE_VARIABLES = new Set(['NODE_ENV']);

/** What an operator puts in `.env` for the `${NAME:?…}` variables of docker-compose.prod.yml. */
const REQUIRED_SAMPLES = {
  POSTGRES_PASSWORD: 'correct-horse-battery',
  PUBLIC_URL: 'https://omni.example.com',
  OMNI_SECRET_KEY: 'a1'.repeat(32),
};

// ---------------------------------------------------------------------------------------------
// shared facts: the real CLI and a real server

let rootHelp = '';
let workerHelp = '';
let test: TestRuntime;
let server: OmniServer;

beforeAll(async () => {
  const [root, worker] = await Promise.all([runOmni(['--help']), runOmni(['worker', '--help'])]);
  expect(root.code).toBe(0);
  expect(worker.code).toBe(0);
  rootHelp = root.stdout;
  workerHelp = worker.stdout;
  test = await openTestRuntime('pglite');
  server = await buildServer(test.runtime);
}, 90_000);

afterAll(async () => {
  await server?.app.close();
  await test?.close();
});

/** Top-level commands of `omni --help`. */
function omniCommands(): Set<string> {
  const section = rootHelp.split(/^Commands:$/m)[1] ?? '';
  return new Set(
    section
      .split('\n')
      .map((line) => /^ {2}(\w[\w-]*)/.exec(line)?.[1])
      .filter((name): name is string => Boolean(name)),
  );
}

/** `omni <args>` as a long-running process or the migrate step: the command and its options exist. */
function expectOmniInvocation(args: string[], where: string): void {
  const [command, ...options] = args;
  expect(omniCommands(), `${where}: omni ${args.join(' ')}`).toContain(command);
  expect(['start', 'api', 'worker', 'migrate'], where).toContain(command);
  if (command === 'worker') {
    for (const option of options.filter((word) => word.startsWith('--'))) {
      expect(workerHelp, `${where}: omni worker ${option}`).toContain(option);
    }
    if (options.includes('--role')) {
      expect(WORKER_ROLES, where).toContain(options[options.indexOf('--role') + 1]);
    }
  } else {
    expect(options, `${where}: omni ${command} takes no options here`).toEqual([]);
  }
}

/** Every variable is Omni's (or Node's), and together their values pass Omni's configuration. */
function expectOmniEnvironment(env: Record<string, string>, where: string): void {
  for (const name of Object.keys(env)) {
    if (NODE_VARIABLES.has(name)) continue;
    expect(Object.keys(variables), `${where}: ${name} is not an Omni variable`).toContain(name);
  }
  expect(() => loadConfig(env), where).not.toThrow();
}

async function expectGetRoute(path: string, where: string): Promise<void> {
  const response = await server.app.inject({ method: 'GET', url: path });
  expect(response.statusCode, `${where}: GET ${path}`).toBe(200);
}

/** A path Omni serves under one of its route patterns (`:tenant` matches one segment). */
function expectRoute(method: string, path: string, where: string): void {
  const matches = server.routes.some(
    (route) =>
      route.method === method && new RegExp(`^${route.url.replace(/:\w+/g, '[^/]+')}$`).test(path),
  );
  expect(matches, `${where}: ${method} ${path}`).toBe(true);
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

describe('Dockerfile', () => {
  const instructions = dockerfileInstructions(readFileSync('Dockerfile', 'utf8'));
  const stages = instructions
    .map((instruction, index) => ({ ...instruction, index }))
    .filter((instruction) => instruction.keyword === 'FROM');
  const runtimeStart = stages.at(-1)?.index ?? 0;
  const runtime = instructions.slice(runtimeStart);
  const buildStage = instructions.slice(0, runtimeStart);
  const ignored = readFileSync('.dockerignore', 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it('builds on node:22-bookworm-slim in two stages: all dependencies, then production ones', () => {
    expect(stages.map((stage) => stage.args)).toEqual([
      'node:22-bookworm-slim AS build',
      'node:22-bookworm-slim AS runtime',
    ]);
    expect(
      buildStage.some((i) => i.keyword === 'RUN' && /\bnpm ci\b(?!.*--omit)/.test(i.args)),
    ).toBe(true);
    expect(runtime.some((i) => i.keyword === 'RUN' && i.args.includes('npm ci --omit=dev'))).toBe(
      true,
    );
    // The build stage's `npm ci` runs `prepare`, which builds web/dist; the runtime copies it.
    expect(PACKAGE.scripts.prepare).toContain('scripts/prepare-web.ts');
    expect(PACKAGE.scripts['build:web']).toContain('vite build');
    expect(
      runtime.some(
        (i) => i.keyword === 'COPY' && i.args === '--from=build /app/web/dist ./web/dist',
      ),
    ).toBe(true);
    // ...and its `npm ci --omit=dev` runs `prepare` too, with tsx (a production dependency).
    const copyPrepare = runtime.findIndex(
      (i) => i.keyword === 'COPY' && i.args.includes('scripts/prepare-web.ts'),
    );
    const install = runtime.findIndex((i) => i.keyword === 'RUN' && i.args.includes('npm ci'));
    expect(copyPrepare).toBeGreaterThan(-1);
    expect(copyPrepare).toBeLessThan(install);
    expect(Object.keys(PACKAGE.dependencies)).toContain('tsx');
    // bin/omni.js falls back to tsx where Node cannot strip types itself.
    expect(readFileSync('bin/omni.js', 'utf8')).toContain("'tsx/esm/api'");
  });

  it('needs no devDependency at run time: src imports only production dependencies', () => {
    const imported = new Set<string>();
    for (const file of readdirSync('src', { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts')) continue;
      const text = readFileSync(join('src', file), 'utf8');
      const statements = [
        ...text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?\sfrom\s+'([^'.][^']*)'/gm),
      ]
        .filter((match) => !match[1])
        .map((match) => match[2] as string);
      const dynamic = [...text.matchAll(/import\('([^'.][^']*)'\)/g)].map((m) => m[1] as string);
      for (const specifier of [...statements, ...dynamic]) {
        if (specifier.startsWith('node:')) continue;
        const parts = specifier.split('/');
        imported.add(
          specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string),
        );
      }
    }
    expect(imported.size).toBeGreaterThan(10);
    for (const name of imported) {
      expect(Object.keys(PACKAGE.dependencies), `src imports ${name}`).toContain(name);
    }
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const sources = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(source), `COPY ${source}`).toBe(true);
      for (const pattern of ignored) {
        const excluded = source === pattern || source.startsWith(`${pattern}/`);
        expect(excluded, `COPY ${source} is excluded by .dockerignore (${pattern})`).toBe(false);
      }
    }
    // The runtime needs the migrations, which live in src/.
    expect(existsSync('src/storage/migrations')).toBe(true);
  });

  it('runs `node bin/omni.js start` as a non-root user, with real variables and a real health path', async () => {
    const entrypoint = JSON.parse(runtime.find((i) => i.keyword === 'ENTRYPOINT')?.args ?? '[]');
    const command = JSON.parse(runtime.find((i) => i.keyword === 'CMD')?.args ?? '[]');
    expect(entrypoint).toEqual(['node', 'bin/omni.js']);
    expectOmniInvocation(command, 'Dockerfile CMD');

    const user = runtime.findLast((i) => i.keyword === 'USER')?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);

    const env = Object.assign(
      {},
      ...runtime.filter((i) => i.keyword === 'ENV').map((i) => envAssignments(i.args)),
    ) as Record<string, string>;
    expectOmniEnvironment(env, 'Dockerfile ENV');
    expect(env.OMNI_DATA_DIR).toBe('/data');
    expect(runtime.find((i) => i.keyword === 'VOLUME')?.args).toContain('/data');
    expect(runtime.find((i) => i.keyword === 'EXPOSE')?.args).toBe(env.PORT);

    const healthcheck = runtime.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
    const path = /127\.0\.0\.1:\$\{PORT\}(\/[\w/]*)/.exec(healthcheck)?.[1];
    expect(path).toBe('/health');
    await expectGetRoute(path as string, 'Dockerfile HEALTHCHECK');
  });
});

// ---------------------------------------------------------------------------------------------
// Docker Compose

interface ComposeService {
  build?: string;
  image?: string;
  command?: string[];
  container_name?: string;
  restart?: string;
  profiles?: string[];
  environment?: Record<string, string>;
  env_file?: Array<{ path: string; required: boolean }>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { disable?: boolean; test?: string[] };
  volumes?: string[];
  deploy?: {
    replicas?: number;
    resources?: { limits?: { cpus?: string; memory?: string } };
  };
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const COMPOSE_FILES = ['docker-compose.yml', 'docker-compose.prod.yml'];

/** The names runbooks give compose services: `docker compose logs -f api` and the like. */
const COMPOSE_SERVICES: Array<[service: string, seed: string, line: number]> = [
  ['api', SEED_001, 33],
  ['redis', SEED_001, 98],
  ['evolution', SEED_001, 111],
  ['worker', SEED_001, 126],
  ['api', SEED_002, 449],
];

describe.each(COMPOSE_FILES)('%s', (file) => {
  const text = readFileSync(file, 'utf8');
  const compose = readYaml<ComposeFile>(file);
  const omniServices = Object.entries(compose.services).filter(([, service]) => service.build);

  it('runs omni commands that exist, with Omni variables whose values pass the schema', () => {
    expect(omniServices.map(([name]) => name).sort()).toEqual(['api', 'migrate', 'worker']);
    for (const [name, service] of omniServices) {
      expect(service.build, name).toBe('.');
      expectOmniInvocation(service.command ?? [], `${file} ${name}`);
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([key, value]) => [
          key,
          interpolate(String(value), REQUIRED_SAMPLES),
        ]),
      );
      expectOmniEnvironment(env, `${file} ${name}`);
      // The scale profile: PostgreSQL of this file, Redis of this file.
      expect(new URL(env.DATABASE_URL as string).hostname).toBe('postgres');
      expect(new URL(env.REDIS_URL as string).hostname).toBe('redis');
      expect(service.env_file, name).toEqual([{ path: '.env', required: false }]);
    }
  });

  it('migrates before api and worker start, and the workers skip the HTTP health check', () => {
    expect(compose.services.migrate?.command).toEqual(['migrate']);
    expect(compose.services.migrate?.restart).toBe('no');
    for (const name of ['api', 'worker']) {
      expect(compose.services[name]?.depends_on?.migrate).toEqual({
        condition: 'service_completed_successfully',
      });
      expect(compose.services[name]?.depends_on?.postgres?.condition).toBe('service_healthy');
      expect(compose.services[name]?.depends_on?.redis?.condition).toBe('service_healthy');
    }
    expect(compose.services.worker?.healthcheck).toEqual({ disable: true });
    expect(compose.services.migrate?.healthcheck).toEqual({ disable: true });
    expect(compose.services.api?.healthcheck).toBeUndefined(); // the image's /health check
    expect(compose.services.postgres?.healthcheck?.test).toBeDefined();
    expect(compose.services.redis?.healthcheck?.test).toBeDefined();
  });

  it.each(COMPOSE_SERVICES)('has service %s (seed %s line %i)', (service) => {
    expect(Object.keys(compose.services)).toContain(service);
  });

  it("points Evolution's webhooks at Omni's Evolution route, with the key Omni checks", () => {
    const evolution = compose.services.evolution?.environment ?? {};
    expect(compose.services.evolution?.image).toMatch(/^atendai\/evolution-api:v2\./);
    const webhook = new URL(interpolate(evolution.WEBHOOK_GLOBAL_URL as string, REQUIRED_SAMPLES));
    expect(webhook.hostname).toBe('api');
    expect(webhook.port).toBe('3000');
    expectRoute('POST', webhook.pathname, `${file} evolution WEBHOOK_GLOBAL_URL`);
    expect(evolution.WEBHOOK_EVENTS_MESSAGES_UPSERT).toBe('true');
    // Evolution's global key and the key Omni sends and expects are one variable of `.env`
    // (and, where the file spells Omni's out, the same expression).
    const evolutionKey = evolution.AUTHENTICATION_API_KEY as string;
    expect([...interpolatedNames(evolutionKey)]).toEqual(['EVOLUTION_API_KEY']);
    const omniKey = compose.services.api?.environment?.EVOLUTION_API_KEY;
    if (omniKey !== undefined) expect(evolutionKey).toBe(omniKey);
    const omniUrl = compose.services.api?.environment?.EVOLUTION_URL;
    if (omniUrl !== undefined) expect(omniUrl).toBe('http://evolution:8080');
  });

  it('documents each compose-only interpolated variable in its header; Omni variables need no mention', () => {
    const header = headerComment(text);
    for (const name of interpolatedNames(text)) {
      if (name in variables) continue;
      expect(header, `${file}: \${${name}} is not explained`).toContain(name);
    }
  });

  it('mounts files that exist and declares the named volumes it uses', async () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] as string;
        if (source.startsWith('./')) expect(existsSync(source), `${name}: ${source}`).toBe(true);
        else expect(Object.keys(compose.volumes ?? {}), name).toContain(source);
      }
    }
    // Prometheus scrapes the API's metrics path under the job name the alert rules use.
    const prometheus = readYaml<{
      rule_files: string[];
      scrape_configs: Array<{
        job_name: string;
        metrics_path: string;
        static_configs: Array<{ targets: string[] }>;
      }>;
    }>('deploy/compose/prometheus.yml');
    const [job] = prometheus.scrape_configs;
    expect(job?.static_configs[0]?.targets).toEqual(['api:3000']);
    expect(readFileSync('deploy/prometheus/alerts.yml', 'utf8')).toContain(
      `job="${job?.job_name}"`,
    );
    await expectGetRoute(job?.metrics_path as string, 'prometheus.yml metrics_path');
    const mounts = compose.services.prometheus?.volumes ?? [];
    for (const rules of prometheus.rule_files) {
      expect(mounts.some((mount) => mount.split(':')[1] === rules)).toBe(true);
    }
    // Grafana loads the dashboards from where they are mounted.
    const provider = readYaml<{ providers: Array<{ options: { path: string } }> }>(
      'deploy/compose/grafana-dashboards.yml',
    );
    expect(compose.services.grafana?.volumes).toContain(
      `./deploy/grafana:${provider.providers[0]?.options.path}:ro`,
    );
  });
});

describe('docker-compose.prod.yml for production (seed 004)', () => {
  const prod = readYaml<ComposeFile>('docker-compose.prod.yml');

  it('names the API container agente-api (`docker logs -f agente-api`, seed 004 line 188)', () => {
    expect(prod.services.api?.container_name).toBe('agente-api');
  });

  it('restarts always, limits resources, runs several workers', () => {
    for (const [name, service] of Object.entries(prod.services)) {
      if (name === 'migrate') expect(service.restart).toBe('no');
      else expect(service.restart, name).toBe('always');
    }
    for (const name of ['api', 'worker', 'postgres', 'redis']) {
      expect(prod.services[name]?.deploy?.resources?.limits?.memory, name).toBeDefined();
      expect(prod.services[name]?.deploy?.resources?.limits?.cpus, name).toBeDefined();
    }
    expect(prod.services.worker?.deploy?.replicas).toBeGreaterThanOrEqual(2);
    // A fixed container name cannot be replicated.
    expect(prod.services.api?.deploy?.replicas).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Kubernetes

interface Probe {
  httpGet?: { path: string; port: string | number };
}

interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  env?: Array<{
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
  }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}

interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean };
}

interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    selector?: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

/** Names the runbook types into kubectl. */
const KUBECTL_NAMES: Array<[kind: string, name: string, seed: string, line: number]> = [
  ['Deployment', 'agente-api', SEED_004, 190],
  ['Deployment', 'redis', SEED_004, 742],
];
const KUBECTL_LABELS: Array<[app: string, seed: string, line: number]> = [
  ['agente-api', SEED_004, 371],
  ['postgresql', SEED_004, 640],
  ['redis', SEED_004, 642],
];
/** `kubectl set env deployment/agente-api NAME=…`: Omni must read NAME. */
const KUBECTL_SET_ENV: Array<[variable: string, seed: string, line: number]> = [
  ['DB_POOL_SIZE', SEED_004, 737],
  ['DEFAULT_MODEL', SEED_004, 787],
  ['RATE_LIMIT_PER_MINUTE', SEED_004, 900],
  ['REQUEST_TIMEOUT', SEED_004, 904],
];

describe('k8s/production (`kubectl apply -f k8s/production/`, seed 004 line 179)', () => {
  const objects = k8sObjects('k8s/production');
  const secretsTemplate = k8sFile('k8s/omni-secrets.example.yaml');
  const find = (kind: string, name: string) =>
    objects.find((object) => object.kind === kind && object.metadata.name === name);
  const omniPods = objects
    .filter((object) => ['Deployment', 'Job'].includes(object.kind))
    .map((object) => ({ object, pod: (object as Workload).spec.template.spec }))
    .filter(({ pod }) => pod.containers.some((container) => container.image.startsWith('omni:')));
  const config = find('ConfigMap', 'omni-config') as
    | (K8sObject & { data: Record<string, string> })
    | undefined;
  const secretData = Object.assign(
    {},
    ...secretsTemplate
      .filter((object) => object.metadata.name === 'omni-secrets')
      .map((object) => (object as K8sObject & { stringData: Record<string, string> }).stringData),
  ) as Record<string, string>;
  const environment = { ...config?.data, ...secretData };

  it('puts everything in namespace omni, created first', () => {
    expect(objects[0]?.kind).toBe('Namespace');
    expect(objects[0]?.metadata.name).toBe('omni');
    for (const object of [...objects.slice(1), ...secretsTemplate]) {
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe('omni');
    }
  });

  it.each(KUBECTL_NAMES)('has %s %s (seed %s line %i)', (kind, name) => {
    expect(find(kind, name)).toBeDefined();
  });

  it.each(KUBECTL_LABELS)('has pods labelled app=%s (seed %s line %i)', (app) => {
    const labelled = objects.filter(
      (object) =>
        ['Deployment', 'StatefulSet'].includes(object.kind) &&
        (object as Workload).spec.template.metadata.labels.app === app,
    );
    expect(labelled.length).toBe(1);
    const workload = labelled[0] as Workload;
    expect(workload.spec.selector?.matchLabels).toEqual({ app });
  });

  it.each(KUBECTL_SET_ENV)(
    '`kubectl set env deployment/agente-api %s=…` sets an Omni variable (seed %s line %i)',
    (name) => {
      expect(Object.keys(variables)).toContain(name);
    },
  );

  it("runs omni commands that exist, on the package's version, as a non-root user", () => {
    expect(omniPods.map(({ object }) => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
      'Deployment/agente-api',
      'Deployment/agente-worker',
      'Job/omni-migrate',
    ]);
    for (const { object, pod } of omniPods) {
      const where = `${object.kind}/${object.metadata.name}`;
      expect(pod.securityContext?.runAsNonRoot, where).toBe(true);
      for (const container of pod.containers) {
        expect(container.image, where).toBe(`omni:${PACKAGE.version}`);
        expectOmniInvocation(container.args ?? [], where);
        expect(container.resources?.requests?.memory, where).toBeDefined();
        expect(container.resources?.limits?.memory, where).toBeDefined();
      }
    }
    const migrate = find('Job', 'omni-migrate') as Workload;
    expect(migrate.spec.template.spec.containers[0]?.args).toEqual(['migrate']);
  });

  it('gives Omni only its own variables, and their values pass its configuration', () => {
    expect(config).toBeDefined();
    expectOmniEnvironment(environment, 'omni-config + omni-secrets template');
    for (const { object, pod } of omniPods) {
      for (const container of pod.containers) {
        const where = `${object.kind}/${object.metadata.name}`;
        for (const source of container.envFrom ?? []) {
          if (source.configMapRef) expect(source.configMapRef.name, where).toBe('omni-config');
          if (source.secretRef) expect(source.secretRef.name, where).toBe('omni-secrets');
        }
        for (const variable of container.env ?? []) {
          expect(Object.keys(variables), `${where}: ${variable.name}`).toContain(variable.name);
        }
      }
    }
  });

  it('takes CRM_API_KEY from the secret the runbook creates (seed 004 line 817)', () => {
    const api = find('Deployment', 'agente-api') as Workload;
    const crm = api.spec.template.spec.containers[0]?.env?.find((v) => v.name === 'CRM_API_KEY');
    expect(crm?.valueFrom?.secretKeyRef).toEqual({
      name: 'crm-credentials',
      key: 'api-key',
      optional: true,
    });
  });

  it('agente-api: container agente-api (seed 004 lines 247, 396), probes on real routes, drains before it stops', async () => {
    const api = find('Deployment', 'agente-api') as Workload;
    const pod = api.spec.template.spec;
    const [container] = pod.containers;
    expect(pod.containers.length).toBe(1);
    expect(container?.name).toBe('agente-api');
    expect(api.metadata.labels?.app).toBe('agente-api');
    expect(container?.ports).toEqual([{ name: 'http', containerPort: Number(environment.PORT) }]);
    expect(container?.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    // A database outage must not restart the pods (Omni rides it out): liveness is the process's.
    expect(container?.livenessProbe?.httpGet).toEqual({ path: '/version', port: 'http' });
    for (const probe of [
      container?.readinessProbe,
      container?.livenessProbe,
      container?.startupProbe,
    ]) {
      if (probe?.httpGet) await expectGetRoute(probe.httpGet.path, 'agente-api probe');
    }
    // SIGTERM → /readyz 503 → in-flight work within SHUTDOWN_TIMEOUT_MS; the grace period covers
    // the preStop pause and that.
    const pause = Number(container?.lifecycle?.preStop?.exec?.command[1] ?? 0);
    const shutdownSeconds = loadConfig(environment).SHUTDOWN_TIMEOUT_MS / 1000;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(pause + shutdownSeconds);

    const service = find('Service', 'agente-api') as K8sObject & {
      spec: { selector: Record<string, string>; ports: Array<{ targetPort: string }> };
    };
    expect(service.spec.selector).toEqual({ app: 'agente-api' });
    expect(service.spec.ports[0]?.targetPort).toBe('http');
  });

  it('workers: no HTTP probes, a grace period past SHUTDOWN_TIMEOUT_MS, scaled by an HPA', () => {
    const worker = find('Deployment', 'agente-worker') as Workload;
    const pod = worker.spec.template.spec;
    expect(pod.containers[0]?.readinessProbe).toBeUndefined();
    expect(pod.containers[0]?.livenessProbe).toBeUndefined();
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(
      loadConfig(environment).SHUTDOWN_TIMEOUT_MS / 1000,
    );
    // An HPA owns the replica count; the API's is left to `kubectl scale` (the canary steps).
    expect(worker.spec.replicas).toBeUndefined();
    const hpa = find('HorizontalPodAutoscaler', 'agente-worker') as K8sObject & {
      spec: { scaleTargetRef: { kind: string; name: string } };
    };
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'agente-worker',
    });
    expect(
      objects.some(
        (object) =>
          object.kind === 'HorizontalPodAutoscaler' &&
          (object.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name ===
            'agente-api',
      ),
    ).toBe(false);
  });

  it('wires the in-cluster PostgreSQL and Redis to the URLs of the secrets template', () => {
    expect(new URL(environment.DATABASE_URL as string).hostname).toBe('postgresql');
    expect(new URL(environment.REDIS_URL as string).hostname).toBe('redis');
    expect(find('Service', 'postgresql')).toBeDefined();
    expect(find('Service', 'redis')).toBeDefined();
    const postgres = find('StatefulSet', 'postgresql') as Workload;
    const password = postgres.spec.template.spec.containers[0]?.env?.find(
      (v) => v.name === 'POSTGRES_PASSWORD',
    );
    const secret = password?.valueFrom?.secretKeyRef;
    expect(
      secretsTemplate.some(
        (object) =>
          object.metadata.name === secret?.name &&
          secret.key in (object as K8sObject & { stringData: object }).stringData,
      ),
    ).toBe(true);
  });

  it('keeps real secrets out: the template lies outside k8s/production and holds placeholders', () => {
    expect(objects.some((object) => object.kind === 'Secret')).toBe(false);
    for (const [name, value] of Object.entries(secretData)) {
      if (!variableMeta(name as VariableName)?.secret) continue;
      const placeholder = value.includes('CHANGE-ME');
      const urlWithoutCredentials = URL.canParse(value) && new URL(value).password === '';
      expect(placeholder || urlWithoutCredentials, name).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// systemd

const UNITS: Array<[unit: string, command: string[], seed: string, line: number]> = [
  ['agente-api', ['api'], SEED_004, 173],
  ['agente-worker', ['worker', '--role', 'all'], SEED_004, 173],
];

describe.each(UNITS)('deploy/systemd/%s.service', (name, command) => {
  const unit = systemdUnit(readFileSync(`deploy/systemd/${name}.service`, 'utf8'));
  const service = unit.Service ?? {};

  it('runs omni from /opt/omni with an EnvironmentFile, stopping after SHUTDOWN_TIMEOUT_MS', () => {
    expect(service.WorkingDirectory).toEqual(['/opt/omni']);
    expect(service.EnvironmentFile).toEqual(['/etc/omni/omni.env']);
    const execStart = service.ExecStart?.[0]?.split(' ') ?? [];
    expect(execStart.slice(0, 3)).toEqual(['/usr/bin/env', 'node', 'bin/omni.js']);
    expect(execStart.slice(3)).toEqual(command);
    expectOmniInvocation(execStart.slice(3), `${name}.service`);
    expect(service.User).toEqual(['omni']);
    expect(service.Restart).toEqual(['on-failure']);
    expect(unit.Install?.WantedBy).toEqual(['multi-user.target']);

    const env = Object.fromEntries(
      (service.Environment ?? []).map((assignment) => assignment.split('=') as [string, string]),
    );
    expectOmniEnvironment(env, `${name}.service Environment=`);
    const timeoutMs = loadConfig(env).SHUTDOWN_TIMEOUT_MS;
    expect(Number(service.TimeoutStopSec?.[0]) * 1000).toBeGreaterThan(timeoutMs);
  });
});

describe("the runbooks' PostgreSQL and scripts (seed 004 §3.2, §7.2, §7.3, §10.2)", () => {
  const preload = 'shared_preload_libraries=pg_stat_statements';

  it('loads pg_stat_statements in the compose PostgreSQL and creates its view on a new volume', () => {
    for (const file of COMPOSE_FILES) {
      const postgres = (
        readYaml(file) as {
          services: Record<string, { command?: string[]; volumes?: string[] }>;
        }
      ).services.postgres;
      expect(postgres?.command, file).toContain(preload);
      const init = postgres?.volumes?.find((v) => v.includes('/docker-entrypoint-initdb.d/'));
      const source = init?.split(':')[0] ?? '';
      expect(readFileSync(source, 'utf8'), file).toMatch(
        /CREATE EXTENSION IF NOT EXISTS pg_stat_statements/,
      );
    }
  });

  it('loads pg_stat_statements in the k8s PostgreSQL and creates its view from a ConfigMap', () => {
    const objects = k8sObjects('k8s/production');
    const statefulSet = objects.find(
      (o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgresql',
    ) as Workload & {
      spec: { template: { spec: { volumes?: Array<{ configMap?: { name: string } }> } } };
    };
    const container = statefulSet.spec.template.spec.containers[0] as { args?: string[] };
    expect(container.args).toContain(preload);
    const initMap = statefulSet.spec.template.spec.volumes?.find((v) => v.configMap)?.configMap
      ?.name;
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === initMap) as
      | (K8sObject & { data: Record<string, string> })
      | undefined;
    expect(Object.values(configMap?.data ?? {}).join('\n')).toMatch(
      /CREATE EXTENSION IF NOT EXISTS pg_stat_statements/,
    );
  });

  it('has the three scripts seed 004 runs, executable and valid sh', () => {
    for (const script of ['deploy-canary.sh', 'test-backup-restore.sh', 'dr-drill.sh']) {
      const path = `scripts/${script}`;
      expect(statSync(path).mode & 0o111, path).not.toBe(0);
      expect(spawnSync('sh', ['-n', path]).status, path).toBe(0);
    }
  });

  it("deploy-canary.sh works on the manifests' names and labels", () => {
    const script = readFileSync('scripts/deploy-canary.sh', 'utf8');
    const api = k8sObjects('k8s/production').find(
      (o) => o.kind === 'Deployment' && o.metadata.name === 'agente-api',
    ) as Workload;
    const service = k8sObjects('k8s/production').find(
      (o) => o.kind === 'Service' && o.metadata.name === 'agente-api',
    ) as K8sObject & { spec: { selector: Record<string, string> } };
    // The Service selects the app label only, so canary pods (app=agente-api, track=canary) share it.
    expect(service.spec.selector).toEqual({ app: 'agente-api' });
    expect(api.spec.template.metadata.labels.app).toBe('agente-api');
    expect(api.spec.template.spec.containers.map((c) => c.name)).toContain('agente-api');
    expect(script).toContain('kc get deployment agente-api');
    expect(script).toContain('container.name === "agente-api"');
    expect(script).toContain('app=agente-api,track=canary');
  });

  it('dr-drill.sh drives the compose services that exist', () => {
    const script = readFileSync('scripts/dr-drill.sh', 'utf8');
    const services = Object.keys(
      (readYaml('docker-compose.yml') as { services: Record<string, unknown> }).services,
    );
    for (const service of ['postgres', 'api', 'worker', 'migrate']) {
      expect(services).toContain(service);
      expect(script).toContain(service);
    }
    expect(script).toContain('_postgres-data');
  });
});
