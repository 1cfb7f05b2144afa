import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { loadConfig } from '../../apps/api/src/config/config';
import { sha256Hex } from '../../apps/api/src/auth/api-key-config';
import { loadProjectorConfig } from '../../apps/projector/src/projector-config';

/**
 * The development machines have no Docker engine, so the Docker files are checked here by reading
 * them: the compose files, the CI workflow, the Dockerfile and .dockerignore are parsed, their
 * wiring is cross-checked (connection strings name services that exist, ports match what the
 * processes listen on, the env is a configuration the app accepts), and the container health
 * probe is run for real against a local HTTP server.
 */
const ROOT = resolve(__dirname, '../..');

/** What each topology must contain. One-shot services run to completion instead of staying up. */
const TOPOLOGIES = [
  {
    file: 'docker/docker-compose.yml',
    eventstoreNodes: ['eventstore'],
    mongoMembers: ['mongo'],
    oneShot: [] as string[],
  },
  {
    file: 'docker/docker-compose.cluster.yml',
    eventstoreNodes: ['eventstore1', 'eventstore2', 'eventstore3'],
    mongoMembers: ['mongo1', 'mongo2', 'mongo3'],
    oneShot: ['mongo-init'],
  },
];

/** Keys of the Compose specification these files may use; a misspelt key would be ignored or refused. */
const SERVICE_KEYS = new Set([
  'image', 'build', 'command', 'entrypoint', 'environment', 'env_file', 'ports', 'volumes', 'depends_on',
  'healthcheck', 'restart', 'init', 'hostname', 'user', 'networks', 'stop_grace_period', 'read_only', 'labels',
]);
const TOP_LEVEL_KEYS = new Set(['name', 'services', 'volumes', 'networks', 'configs', 'secrets']);

describe.each(TOPOLOGIES)('compose file $file', ({ file, eventstoreNodes, mongoMembers, oneShot }) => {
  const raw = readFileSync(join(ROOT, file), 'utf8');
  const compose = readYaml(file) as ComposeFile;
  const services = compose.services;
  const expectedServices = [...eventstoreNodes, ...mongoMembers, ...oneShot, 'projector', 'api'];
  const longRunning = Object.keys(services).filter((name) => !oneShot.includes(name));

  it('declares exactly the expected services, with Compose keys only', () => {
    expect(Object.keys(services).sort()).toEqual([...expectedServices].sort());
    for (const key of Object.keys(compose)) expect(TOP_LEVEL_KEYS.has(key) || key.startsWith('x-')).toBe(true);
    for (const [name, service] of Object.entries(services)) {
      expect({ name, unknown: Object.keys(service).filter((key) => !SERVICE_KEYS.has(key)) }).toEqual({ name, unknown: [] });
    }
  });

  it('gives every ${VAR} a default, so `up` works with an empty environment', () => {
    const references = raw.replace(/\$\$/g, '').match(/\$(\{[^}]*\}?|[A-Za-z_][A-Za-z0-9_]*)/g) ?? [];
    expect(references.length).toBeGreaterThan(0);
    expect(references.filter((reference) => !/^\$\{[A-Z][A-Z0-9_]*:-[^}]*\}$/.test(reference))).toEqual([]);
    // Only optional settings may default to empty: the app treats an empty value as unset.
    for (const reference of references.filter((r) => r.endsWith(':-}'))) expect(['${API_KEYS:-}']).toContain(reference);
  });

  it('gives every service an image or a build whose context and Dockerfile exist', () => {
    for (const [name, service] of Object.entries(services)) {
      expect({ name, hasImageOrBuild: Boolean(service.image || service.build) }).toEqual({ name, hasImageOrBuild: true });
      if (service.image) expect(interpolate(service.image)).toMatch(/^[a-z0-9][a-z0-9._\/-]*(:[\w.-]+)?$/);
      if (service.build) {
        const context = resolve(ROOT, dirname(file), service.build.context);
        expect(statSync(context).isDirectory()).toBe(true);
        expect(existsSync(resolve(context, service.build.dockerfile))).toBe(true);
        expect(relative(ROOT, resolve(context, service.build.dockerfile))).toBe('docker/Dockerfile');
      }
    }
  });

  it('runs the API and the projector from the image built from docker/Dockerfile', () => {
    for (const name of ['api', 'projector']) {
      expect(services[name].build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
    }
    expect(interpolate(services.api.image!)).toBe('lead-ledger:local');
    expect(interpolate(services.projector.image!)).toBe('lead-ledger-projector:local');
    expect(services.api.command).toEqual(['node', '--no-allocation-site-pretenuring', apiEntry()]);
    expect(services.projector.command).toEqual(['node', projectorEntry()]);
  });

  it('has a health check with a test command on every long-running service', () => {
    for (const name of longRunning) {
      const test = services[name].healthcheck?.test;
      expect({ name, test: Array.isArray(test) && ['CMD', 'CMD-SHELL'].includes(test[0]) && test.length > 1 }).toEqual({ name, test: true });
      expect(services[name].healthcheck?.disable).toBeUndefined();
    }
    for (const name of eventstoreNodes) {
      expect(services[name].healthcheck!.test).toEqual(['CMD', 'curl', '--fail', '--silent', 'http://localhost:2113/health/live']);
    }
    for (const name of mongoMembers) expect(services[name].healthcheck!.test.slice(0, 2)).toEqual(['CMD', 'mongosh']);
    // The app images have no curl: their probe is docker/healthcheck.js on the port the process listens on.
    expect(services.api.healthcheck!.test).toEqual(['CMD', 'node', 'docker/healthcheck.js', `http://127.0.0.1:${envOf('api').PORT}/health/ready`]);
    expect(services.projector.healthcheck!.test).toEqual(['CMD', 'node', 'docker/healthcheck.js', `http://127.0.0.1:${envOf('projector').PROJECTOR_PORT}/health/ready`]);
  });

  it('runs one-shot services once and makes their dependents wait for them to succeed', () => {
    for (const name of oneShot) {
      expect(services[name].restart).toBe('no');
      const dependents = Object.keys(services).filter((other) => services[other].depends_on?.[name]);
      expect(dependents.sort()).toEqual(['api', 'projector']);
      for (const dependent of dependents) expect(services[dependent].depends_on![name].condition).toBe('service_completed_successfully');
    }
  });

  it('starts each service only after what it depends on is healthy (or done), without cycles', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [target, dependency] of Object.entries(service.depends_on ?? {})) {
        expect({ name, target, exists: target in services }).toEqual({ name, target, exists: true });
        const expected = oneShot.includes(target) ? 'service_completed_successfully' : 'service_healthy';
        expect({ name, target, condition: dependency.condition }).toEqual({ name, target, condition: expected });
      }
    }
    const databases = [...eventstoreNodes, ...(oneShot.length > 0 ? oneShot : mongoMembers)];
    expect(Object.keys(services.projector.depends_on ?? {}).sort()).toEqual([...databases].sort());
    expect(Object.keys(services.api.depends_on ?? {}).sort()).toEqual([...databases, 'projector'].sort());
    expect(findCycle(services)).toBeNull();
  });

  it('publishes the API and the projector on the ports they listen on', () => {
    expect(containerPorts('api')).toEqual([Number(envOf('api').PORT)]);
    expect(containerPorts('projector')).toEqual([Number(envOf('projector').PROJECTOR_PORT)]);
    expect(hostPorts('api')).toEqual([3000]);
    expect(hostPorts('projector')).toEqual([3001]);
  });

  it('gives the API a configuration the app accepts: EventStoreDB ledger, MongoDB read models, on 0.0.0.0', () => {
    const env = { ...imageEnv(), ...envOf('api') };

    const config = loadConfig(env);

    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 3000,
      dataDir: '/data',
      ledger: { kind: 'esdb', connectionString: env.LEDGER_URL },
      mongodbUrl: env.MONGODB_URL,
      projector: 'external',
      apiKeys: [],
    });
    expect(env.MONGODB_URL).toMatch(/^mongodb:\/\//);
    // The admin API key is written to DATA_DIR: it must outlive the container.
    expect(namedVolumeTargets('api')).toContain(config.dataDir);
  });

  it('passes API keys from the host environment to the API', () => {
    const secret = `llk_docker_spec_${Date.now()}`;
    const keys = [{ id: 'crm', sha256: sha256Hex(secret), scopes: ['leads:write'] }];

    const config = loadConfig({ ...imageEnv(), ...envOf('api', { API_KEYS: JSON.stringify(keys) }) });

    expect(config.apiKeys).toEqual(keys);
  });

  it('gives the projector a configuration it accepts: the ledger and MongoDB database of the API, on 0.0.0.0', () => {
    const api = envOf('api');

    const config = loadProjectorConfig({ ...imageEnv(), ...envOf('projector') });

    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 3001,
      mongodbUrl: api.MONGODB_URL,
      ledger: { kind: 'esdb', connectionString: api.LEDGER_URL },
    });
  });

  it('names every EventStoreDB node in LEDGER_URL, without TLS because the nodes run insecure', () => {
    const url = parseMultiHostUrl(envOf('api').LEDGER_URL);

    expect(url.scheme).toBe('esdb');
    expect(url.hosts).toEqual(eventstoreNodes.map((node) => `${node}:2113`));
    expect(url.params.get('tls')).toBe('false');
    for (const node of eventstoreNodes) expect(envOf(node).EVENTSTORE_INSECURE).toBe('true');
  });

  it('names every MongoDB member in MONGODB_URL, with the replica set the members run and were initiated with', () => {
    const url = parseMultiHostUrl(envOf('api').MONGODB_URL);
    const replicaSet = url.params.get('replicaSet');

    expect(url.scheme).toBe('mongodb');
    expect(url.hosts).toEqual(mongoMembers.map((member) => `${member}:27017`));
    expect(url.database).toBe('lead_ledger');
    for (const member of mongoMembers) {
      expect(services[member].command).toEqual(['--replSet', replicaSet, '--bind_ip_all']);
    }
    // The driver reconnects to the hosts named in the replica-set config, so they must be the same names.
    const initiation = [...oneShot.map((name) => services[name].command), ...mongoMembers.map((name) => services[name].healthcheck!.test)]
      .flat()
      .find((part) => typeof part === 'string' && part.includes('rs.initiate'))!;
    expect(initiation).toContain(`_id: '${replicaSet}'`);
    expect([...initiation.matchAll(/host: '([^']+)'/g)].map((match) => match[1])).toEqual(url.hosts);
  });

  it('makes every EventStoreDB node gossip with all the others', () => {
    for (const node of eventstoreNodes) {
      const env = envOf(node);
      expect(Number(env.EVENTSTORE_CLUSTER_SIZE)).toBe(eventstoreNodes.length);
      if (eventstoreNodes.length === 1) continue;
      expect(env.EVENTSTORE_DISCOVER_VIA_DNS).toBe('false');
      expect(env.EVENTSTORE_NODE_HOST_ADVERTISE_AS).toBe(node);
      expect(env.EVENTSTORE_REPLICATION_HOST_ADVERTISE_AS).toBe(node);
      expect(env.EVENTSTORE_GOSSIP_SEED.split(',').sort()).toEqual(eventstoreNodes.filter((other) => other !== node).map((other) => `${other}:2113`));
    }
  });

  it('keeps database files in named volumes declared in the file', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const used = Object.keys(services).flatMap((name) => namedVolumes(name).map((volume) => volume.source));
    expect([...new Set(used)].sort()).toEqual([...declared].sort());
    for (const node of eventstoreNodes) expect(namedVolumeTargets(node)).toContain('/var/lib/eventstore');
    for (const member of mongoMembers) expect(namedVolumeTargets(member)).toEqual(expect.arrayContaining(['/data/db', '/data/configdb']));
  });

  /** The service's environment as compose would pass it, given the host's environment (empty by default). */
  function envOf(name: string, hostEnv: Record<string, string> = {}): Record<string, string> {
    const environment = services[name].environment ?? {};
    const entries = Array.isArray(environment)
      ? environment.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)])
      : Object.entries(environment);
    return Object.fromEntries(entries.map(([key, value]) => [key, interpolate(String(value), hostEnv)]));
  }
  function portMappings(name: string) {
    return (services[name].ports ?? []).map((port) => {
      const parts = interpolate(String(port)).split(':');
      return { host: Number(parts[parts.length - 2]), container: Number(parts[parts.length - 1]) };
    });
  }
  function containerPorts(name: string) {
    return portMappings(name).map((port) => port.container);
  }
  function hostPorts(name: string) {
    return portMappings(name).map((port) => port.host);
  }
  function namedVolumes(name: string) {
    return (services[name].volumes ?? [])
      .map((volume) => {
        const [source, target] = String(volume).split(':');
        return { source, target };
      })
      .filter((volume) => !volume.source.startsWith('.') && !volume.source.startsWith('/'));
  }
  function namedVolumeTargets(name: string) {
    return namedVolumes(name).map((volume) => volume.target);
  }
});

describe('docker/Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8');
  const instructions = parseDockerfile(dockerfile);
  const stages = splitStages(instructions);
  const [build, runtime] = [stages[0], stages[stages.length - 1]];

  it('builds in one stage and runs from a slim one', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build.from).toMatch(/^node:\$\{NODE_VERSION\}-bookworm-slim AS build$/);
    expect(runtime.from).toMatch(/^node:\$\{NODE_VERSION\}-bookworm-slim/);
    expect(dockerfile).toMatch(/^ARG NODE_VERSION=20$/m);
  });

  it('compiles better-sqlite3 from source with the toolchain only in the build stage', () => {
    const buildRuns = runsOf(build).join('\n');
    expect(buildRuns).toMatch(/apt-get install[^\n]*\bpython3\b[^\n]*\bmake\b[^\n]*\bg\+\+/);
    expect(buildRuns).toContain('npm_config_build_from_source=true npm rebuild better-sqlite3');
    expect(runsOf(runtime).join('\n')).not.toMatch(/g\+\+|python3|apt-get/);
  });

  it('installs from the lockfile with npm install (not npm ci), builds both apps and drops dev dependencies', () => {
    const buildRuns = runsOf(build).join('\n');
    expect(build.instructions).toContainEqual({ keyword: 'COPY', args: 'package.json package-lock.json ./' });
    expect(buildRuns).toMatch(/\bnpm install\b/);
    expect(buildRuns).not.toMatch(/\bnpm ci\b/);
    expect(buildRuns).toContain('npm run build');
    for (const entry of [apiEntry(), projectorEntry(), 'dist/apps/cli/src/main.js']) expect(buildRuns).toContain(`test -f ${entry}`);
    expect(buildRuns).toMatch(/npm prune --omit=dev/);
  });

  it('runs the API by default as a non-root user on 0.0.0.0, with --no-allocation-site-pretenuring', () => {
    const env = imageEnv();
    expect(env).toMatchObject({ HOST: '0.0.0.0', PORT: '3000', DATA_DIR: '/data', NODE_ENV: 'production' });
    const user = runtime.instructions.filter((instruction) => instruction.keyword === 'USER').map((instruction) => instruction.args);
    expect(user).toEqual(['node']);
    const cmd = runtime.instructions.find((instruction) => instruction.keyword === 'CMD')!;
    expect(JSON.parse(cmd.args)).toEqual(['node', '--no-allocation-site-pretenuring', apiEntry()]);
  });

  it('copies what the processes and the health probe need into the runtime image', () => {
    const copies = runtime.instructions.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => instruction.args);
    for (const path of ['/app/node_modules', '/app/dist', '/app/bin', '/app/package.json']) {
      expect(copies.some((copy) => copy.startsWith(`--from=build ${path} `))).toBe(true);
    }
    expect(copies).toContain('docker/healthcheck.js ./docker/healthcheck.js');
    // The API serves the UI from the repository path above dist/ (apps/api/src/ui/ui-assets.ts).
    expect(copies).toContain('--from=build /app/apps/api/src/ui/public ./apps/api/src/ui/public');
    expect(existsSync(join(ROOT, 'apps/api/src/ui/public/index.html'))).toBe(true);
    const healthcheck = runtime.instructions.find((instruction) => instruction.keyword === 'HEALTHCHECK')!;
    expect(healthcheck.args).toContain('CMD node docker/healthcheck.js "http://127.0.0.1:${PORT:-3000}/health/ready"');
  });

  it('builds entry points at the paths nest-cli.json and npm run build produce', () => {
    const nest = JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8'));
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(`dist/${nest.projects.api.entryFile}.js`).toBe(apiEntry());
    expect(`dist/${nest.projects.cli.entryFile}.js`).toBe('dist/apps/cli/src/main.js');
    expect(`dist/${nest.projects.projector?.entryFile}.js`).toBe(projectorEntry());
    expect(scripts.build).toMatch(/nest build projector/);
  });
});

describe('.dockerignore', () => {
  const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const ignored = (path: string) => patterns.some((pattern) => globToRegExp(pattern).test(path));

  it('keeps local dependencies, build output, data, test artifacts and git history out of the build context', () => {
    for (const path of ['node_modules', 'dist', 'data', 'coverage', 'test-artifacts', '.git', 'apps/api/node_modules', 'data/admin-api-key', 'x/ledger.db']) {
      expect({ path, ignored: ignored(path) }).toEqual({ path, ignored: true });
    }
  });

  it('keeps everything the image build reads', () => {
    const needed = ['package.json', 'package-lock.json', 'tsconfig.json', 'nest-cli.json', 'apps/api/src/main.ts', 'libs', 'projections', 'bin/lead-ledger.js', 'docker/Dockerfile', 'docker/healthcheck.js'];
    for (const path of needed) expect({ path, ignored: ignored(path) }).toEqual({ path, ignored: false });
  });
});

describe('.github/workflows/ci.yml', () => {
  const workflow = readYaml('.github/workflows/ci.yml') as Workflow;
  const runs = (job: string) => workflow.jobs[job].steps.map((step) => step.run ?? '').join('\n');
  const uses = (job: string) => workflow.jobs[job].steps.filter((step) => step.uses);

  it('runs the README commands on Node 20', () => {
    const setupNode = uses('test').find((step) => step.uses!.startsWith('actions/setup-node@'))!;
    expect(String(setupNode.with!['node-version'])).toBe('20');
    expect(runs('test')).toMatch(/^npm install\b/m);
    expect(runs('test')).toMatch(/^npm test$/m);
  });

  it('runs every spec that reads EVENTSTORE_TEST_URL or MONGODB_TEST_URL against real servers', () => {
    const job = workflow.jobs.contracts;
    const env = { ...job.env, ...Object.assign({}, ...job.steps.map((step) => step.env ?? {})) };
    const jest = runs('contracts').split('\n').find((line) => /\bnpx jest\b/.test(line))!;
    const patterns = jest.split(/\s+/).slice(2).filter((arg, i, args) => !arg.startsWith('-') && args[i - 1] !== '--selectProjects');
    const specs = specFilesReading(['EVENTSTORE_TEST_URL', 'MONGODB_TEST_URL']);

    expect(Object.keys(env)).toEqual(expect.arrayContaining(['EVENTSTORE_TEST_URL', 'MONGODB_TEST_URL']));
    expect(specs.some((spec) => readFileSync(join(ROOT, spec), 'utf8').includes('EVENTSTORE_TEST_URL'))).toBe(true);
    expect(specs.some((spec) => readFileSync(join(ROOT, spec), 'utf8').includes('MONGODB_TEST_URL'))).toBe(true);
    for (const spec of specs) {
      expect({ spec, selected: spec.endsWith('.int.spec.ts') && patterns.some((pattern) => new RegExp(pattern).test(join(ROOT, spec))) }).toEqual({ spec, selected: true });
    }
    expect(jest).toMatch(/--selectProjects int\b/);
  });

  it('points the contract suites at the servers the job starts', () => {
    const job = workflow.jobs.contracts;
    const eventstore = parseMultiHostUrl(job.env!.EVENTSTORE_TEST_URL);
    const mongo = parseMultiHostUrl(job.env!.MONGODB_TEST_URL);
    const service = job.services!.eventstore;

    expect(eventstore.hosts).toEqual(['localhost:2113']);
    expect(eventstore.params.get('tls')).toBe('false');
    expect(service.env.EVENTSTORE_INSECURE).toBe('true');
    expect(service.ports).toContain('2113:2113');
    expect(service.options).toContain('/health/live');

    const mongoStart = runs('contracts');
    expect(mongo.hosts).toEqual(['localhost:27017']);
    expect(mongoStart).toContain(`-p 27017:27017 mongo:7 --replSet ${mongo.params.get('replicaSet')} --bind_ip_all`);
    expect(mongoStart).toContain(`_id: '${mongo.params.get('replicaSet')}', members: [{ _id: 0, host: 'localhost:27017' }]`);
  });

  it('builds the image, validates both compose files and smoke-tests the running topologies', () => {
    expect(runs('docker')).toContain('docker build -f docker/Dockerfile');
    for (const file of ['docker/docker-compose.yml', 'docker/docker-compose.cluster.yml']) {
      expect(runs('docker')).toContain(`docker compose -f ${file} config`);
    }
    expect(runs('docker')).toMatch(/docker compose -f docker\/docker-compose\.yml up --build --detach --wait/);
    expect(runs('docker')).toContain('curl --fail --silent --show-error http://127.0.0.1:3000/health/ready');
    expect(runs('docker')).toContain('exec -T api node bin/lead-ledger.js verify');
    expect(runs('docker-cluster')).toContain('docker compose -f docker/docker-compose.cluster.yml up --build --detach');
    expect(runs('docker-cluster')).toContain('http://127.0.0.1:3000/health/ready');
    // Every file the workflow hands to docker exists.
    const referenced = [...JSON.stringify(workflow).matchAll(/-f (docker\/[\w.-]+)/g)].map((match) => match[1]);
    for (const path of referenced) expect({ path, exists: existsSync(join(ROOT, path)) }).toEqual({ path, exists: true });
  });
});

describe('docker/healthcheck.js (the container health probe)', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((request, response) => {
      response.statusCode = request.url === '/health/ready' ? 200 : 503;
      response.end(request.url === '/health/ready' ? '{"status":"ok"}' : '{"status":"error","details":{"ledger":"down"}}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('exits 0 when the endpoint answers 2xx', async () => {
    const probe = await runProbe(`http://127.0.0.1:${port}/health/ready`);
    expect(probe).toEqual({ code: 0, stderr: '' });
  });

  it('exits 1 and says why when the endpoint answers 503', async () => {
    const probe = await runProbe(`http://127.0.0.1:${port}/health/not-ready`);
    expect(probe.code).toBe(1);
    expect(probe.stderr).toContain('answered 503');
    expect(probe.stderr).toContain('"ledger":"down"');
  });

  it('exits 1 when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));

    const probe = await runProbe(`http://127.0.0.1:${closedPort}/health/ready`);

    expect(probe.code).toBe(1);
    expect(probe.stderr).toContain('unreachable');
  });

  it('refuses to run without a URL', async () => {
    expect((await runProbe()).code).toBe(2);
  });
});

// ---- helpers ----------------------------------------------------------------------------------

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string | number | boolean> | string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; disable?: boolean };
  restart?: string;
  [key: string]: unknown;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}
interface WorkflowStep {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  jobs: Record<
    string,
    {
      env?: Record<string, string>;
      services?: Record<string, { image: string; env: Record<string, string>; ports: string[]; options: string }>;
      steps: WorkflowStep[];
    }
  >;
}

/** Parses YAML as Compose and GitHub do (YAML 1.2 with merge keys); duplicate keys and any warning fail. */
function readYaml(path: string): unknown {
  const document = parseDocument(readFileSync(join(ROOT, path), 'utf8'), { merge: true, uniqueKeys: true });
  expect({ path, errors: document.errors.map(String), warnings: document.warnings.map(String) }).toEqual({ path, errors: [], warnings: [] });
  return document.toJS();
}

/** Compose interpolation: `${VAR:-default}` is the host's VAR when set and non-empty, else the default; `$$` is a `$`. */
function interpolate(value: string, hostEnv: Record<string, string> = {}): string {
  return value
    .replace(/\$\{([A-Z][A-Z0-9_]*):-([^}]*)\}/g, (_, name: string, fallback: string) => hostEnv[name] || fallback)
    .replace(/\$\$/g, '$');
}

/** `scheme://host1:port,host2:port/database?params` (the multi-host form WHATWG URL cannot parse). */
function parseMultiHostUrl(url: string) {
  const match = /^([a-z+]+):\/\/([^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/.exec(url);
  if (!match) throw new Error(`not a connection string: ${url}`);
  return { scheme: match[1], hosts: match[2].split(','), database: match[3] ?? '', params: new URLSearchParams(match[4] ?? '') };
}

function apiEntry() {
  return 'dist/apps/api/src/main.js';
}
function projectorEntry() {
  return 'dist/apps/projector/src/main.js';
}

interface Instruction {
  keyword: string;
  args: string;
}
function parseDockerfile(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}
function splitStages(instructions: Instruction[]) {
  const stages: { from: string; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') stages.push({ from: instruction.args, instructions: [] });
    else stages[stages.length - 1]?.instructions.push(instruction);
  }
  return stages;
}
function runsOf(stage: { instructions: Instruction[] }) {
  return stage.instructions.filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.args);
}
/** The runtime stage's ENV: what every container of the image starts with before compose adds its own. */
function imageEnv(): Record<string, string> {
  const stages = splitStages(parseDockerfile(readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8')));
  const env: Record<string, string> = {};
  for (const instruction of stages[stages.length - 1].instructions.filter((i) => i.keyword === 'ENV')) {
    for (const pair of instruction.args.split(/\s+/)) {
      const [key, value] = pair.split('=');
      env[key] = value;
    }
  }
  return env;
}

function findCycle(services: Record<string, ComposeService>): string[] | null {
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string, path: string[]): string[] | null => {
    if (visiting.has(name)) return [...path, name];
    if (done.has(name)) return null;
    visiting.add(name);
    for (const target of Object.keys(services[name]?.depends_on ?? {})) {
      const cycle = visit(target, [...path, name]);
      if (cycle) return cycle;
    }
    visiting.delete(name);
    done.add(name);
    return null;
  };
  for (const name of Object.keys(services)) {
    const cycle = visit(name, []);
    if (cycle) return cycle;
  }
  return null;
}

/** .dockerignore patterns (Go filepath.Match plus `**`), matched against a path or any of its parents. */
function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/^\/+/, '')
    .split('/')
    .map((segment) => (segment === '**' ? '(?:.*/)?' : segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '/'))
    .join('')
    .replace(/\/$/, '');
  return new RegExp(`^${body}(?:/.*)?$`);
}

function specFilesReading(variables: string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!['node_modules', 'dist', '.git', '.tmp', 'data'].includes(entry.name)) walk(path);
      } else if (join(ROOT, path) === __filename) {
        continue; // this file names the variables without reading them
      } else if (entry.name.endsWith('.spec.ts') && variables.some((variable) => readFileSync(join(ROOT, path), 'utf8').includes(variable))) {
        found.push(path);
      }
    }
  };
  for (const dir of ['apps', 'libs', 'projections', 'test']) if (existsSync(join(ROOT, dir))) walk(dir);
  return found;
}

function runProbe(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'docker/healthcheck.js'), ...args]);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
}
