/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- manifests are free-form YAML and JSON */
/**
 * Every deployment manifest, validated offline: Kubernetes objects against the Kubernetes OpenAPI
 * schemas (kubernetes-models), the Knative Service against Knative Serving's CRD schema
 * (@kubernetes-models/knative), the kustomize overlays as rendered by `kubectl kustomize`, and the
 * security posture every pod must have. The ECS task definition and the compose file are checked
 * for the fields and hardening they must carry (no schema package exists for them offline).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load-config.js';
import { SETTINGS } from '../../src/config/config.schema.js';
import { parseDockerfile } from '../../scripts/dockerfile-dry-run.js';
import { IMAGE_MALLOC_ENV } from '../../src/bench/server-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const deploy = (...p: string[]): string => path.join(root, 'deploy', ...p);
const require = createRequire(import.meta.url);

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
  [k: string]: any;
};

function readManifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => d !== null);
}

/** The model class for an object: core and built-in groups from kubernetes-models, Knative from its package. */
function modelFor(m: Manifest): new (data: unknown) => { validate(): void } {
  const [group, version] = m.apiVersion.includes('/') ? m.apiVersion.split('/') : [null, m.apiVersion];
  const modulePath = group?.endsWith('knative.dev')
    ? `@kubernetes-models/knative/${group}/${version}/${m.kind}`
    : `kubernetes-models/${group ? `${group}/` : ''}${version}/${m.kind}`;
  const mod = require(modulePath) as Record<string, new (data: unknown) => { validate(): void }>;
  const model = mod[m.kind];
  if (!model) throw new Error(`no model for ${m.apiVersion} ${m.kind}`);
  return model;
}

function validate(m: Manifest): void {
  const Model = modelFor(m);
  // kustomize folds long base64 Secret values over lines; the API server reads them without the breaks.
  const data =
    m.kind === 'Secret' && m.data
      ? Object.fromEntries(
          Object.entries(m.data as Record<string, string>).map(([k, v]) => [k, v.replace(/\s+/g, '')]),
        )
      : undefined;
  new Model(data ? { ...m, data } : m).validate();
}

/** Pod specs inside workload objects. */
function podSpecs(objects: Manifest[]): { owner: string; spec: any }[] {
  return objects
    .filter(
      (o) => ['Deployment', 'StatefulSet', 'Service'].includes(o.kind) && o.spec?.template?.spec?.containers,
    )
    .map((o) => ({ owner: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec }));
}

function expectHardened(owner: string, spec: any): void {
  expect(spec.securityContext, owner).toMatchObject({
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  });
  expect(spec.automountServiceAccountToken, owner).toBe(false);
  for (const c of spec.containers) {
    expect(c.securityContext, `${owner} ${c.name}`).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.securityContext.capabilities.add, `${owner} ${c.name}`).toBeUndefined();
    expect(c.resources?.limits?.memory, `${owner} ${c.name}`).toBeDefined();
    expect(c.resources?.limits?.cpu, `${owner} ${c.name}`).toBeDefined();
    expect(c.readinessProbe, `${owner} ${c.name}`).toBeDefined();
  }
}

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
const render = (overlay: string): Manifest[] =>
  parseAllDocuments(execFileSync('kubectl', ['kustomize', deploy('kubernetes/overlays', overlay)]).toString())
    .map((d) => d.toJS() as Manifest)
    .filter(Boolean);

describe('Kubernetes base', () => {
  const files = readdirSync(deploy('kubernetes/base')).filter((f) => f !== 'kustomization.yaml');
  const objects = files.flatMap((f) => readManifests(deploy('kubernetes/base', f)));

  it('holds a Deployment, Service, HPA, PodDisruptionBudget, NetworkPolicy, ConfigMap and ServiceAccount', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
    ]);
  });

  it.each(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o] as const))(
    '%s validates against the Kubernetes schema',
    (_n, o) => {
      expect(() => validate(o)).not.toThrow();
    },
  );

  it('rejects a broken manifest (the validation can fail)', () => {
    const deployment = structuredClone(objects.find((o) => o.kind === 'Deployment')!);
    deployment.spec.replicas = 'two';
    expect(() => validate(deployment)).toThrow(/replicas/);
    const dropped = structuredClone(objects.find((o) => o.kind === 'Deployment')!);
    dropped.spec.template.spec.containers[0].securityContext.capabilities.drop = 'ALL';
    expect(() => validate(dropped)).toThrow(/drop/);
  });

  it('runs a hardened pod with probes on the real health routes and a grace above the app’s own', () => {
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    const spec = deployment.spec.template.spec;
    expectHardened('Deployment/gramscope', spec);
    const c = spec.containers[0];
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.startupProbe.httpGet.path).toBe('/healthz');
    const config = objects.find((o) => o.kind === 'ConfigMap')!.data as Record<string, string>;
    expect(Number(config.GRAMSCOPE_SHUTDOWN_GRACE_SECONDS)).toBeLessThan(spec.terminationGracePeriodSeconds);
    expect(Number(config.GRAMSCOPE_CONCURRENCY)).toBeLessThanOrEqual(Number(c.resources.limits.cpu));
  });

  it('sets only settings gramscope knows, with valid values', () => {
    const config = objects.find((o) => o.kind === 'ConfigMap')!.data as Record<string, string>;
    const known = new Set(SETTINGS.map((s) => s.env));
    for (const key of Object.keys(config)) expect(known.has(key), key).toBe(true);
    expect(() => loadConfig(config)).not.toThrow();
  });

  it('selects its own pods everywhere', () => {
    const selector = objects.find((o) => o.kind === 'Deployment')!.spec.selector.matchLabels;
    expect(objects.find((o) => o.kind === 'Service')!.spec.selector).toEqual(selector);
    expect(objects.find((o) => o.kind === 'PodDisruptionBudget')!.spec.selector.matchLabels).toEqual(
      selector,
    );
    expect(objects.find((o) => o.kind === 'NetworkPolicy')!.spec.podSelector.matchLabels).toEqual(selector);
    expect(objects.find((o) => o.kind === 'HorizontalPodAutoscaler')!.spec.scaleTargetRef).toMatchObject({
      kind: 'Deployment',
      name: 'gramscope',
    });
  });
});

describe.skipIf(!hasKubectl)('Kubernetes overlays, rendered by kubectl kustomize', () => {
  it.each(['minikube', 'aks'])('%s renders to valid, hardened objects', (overlay) => {
    const objects = render(overlay);
    for (const o of objects) expect(() => validate(o), `${o.kind}/${o.metadata.name}`).not.toThrow();
    for (const { owner, spec } of podSpecs(objects)) expectHardened(owner, spec);
    for (const o of objects.filter((x) => x.kind !== 'Namespace'))
      expect(o.metadata.namespace).toBe('gramscope');
    const ns = objects.find((o) => o.kind === 'Namespace')!;
    expect(ns.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'gramscope')!;
    const refs = deployment.spec.template.spec.containers[0].envFrom.map(
      (e: any) => e.configMapRef?.name ?? e.secretRef?.name,
    );
    for (const ref of refs) {
      // Generated objects get a hash suffix, and kustomize rewrites the references to match.
      if (overlay === 'minikube')
        expect(
          objects.some((o) => o.metadata.name === ref),
          ref,
        ).toBe(true);
    }
  });

  it('minikube runs one replica of a locally loaded image', () => {
    const deployment = render('minikube').find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.template.spec.containers[0]).toMatchObject({
      image: 'gramscope:0.1.0',
      imagePullPolicy: 'Never',
    });
  });

  it('aks keeps retained images on a ReadWriteMany share and at least two pods through disruptions', () => {
    const objects = render('aks');
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec.template.spec.volumes[0]).toEqual({
      name: 'data',
      persistentVolumeClaim: { claimName: 'gramscope-data' },
    });
    expect(objects.find((o) => o.kind === 'PersistentVolumeClaim')!.spec.accessModes).toEqual([
      'ReadWriteMany',
    ]);
    expect(objects.find((o) => o.kind === 'PodDisruptionBudget')!.spec.minAvailable).toBe(2);
    expect(deployment.spec.template.spec.containers[0].image).toBe('gramscopeacr.azurecr.io/gramscope:0.1.0');
  });
});

describe('Knative Service (scale to zero)', () => {
  const [service] = readManifests(deploy('knative/service.yaml'));

  it('validates against the Knative Serving schema', () => {
    expect(() => validate(service)).not.toThrow();
    const broken = structuredClone(service);
    broken.spec.template.spec.containerConcurrency = 'four';
    expect(() => validate(broken)).toThrow(/containerConcurrency/);
  });

  it('scales to zero with a concurrency target below the pod’s hard limit', () => {
    const annotations = service.spec.template.metadata.annotations as Record<string, string>;
    expect(annotations['autoscaling.knative.dev/min-scale']).toBe('0');
    expect(annotations['autoscaling.knative.dev/metric']).toBe('concurrency');
    const target = Number(annotations['autoscaling.knative.dev/target']);
    expect(target).toBeGreaterThan(0);
    expect(target).toBeLessThanOrEqual(service.spec.template.spec.containerConcurrency);
  });

  it('sets the secure pod defaults explicitly', () => {
    expectHardened('Knative Service/gramscope', service.spec.template.spec);
  });

  it('leaves the readiness period unset, so a pod woken from zero is probed every 50 ms', () => {
    // knative.dev/serving pkg/queue/readiness: aggressive probing only when periodSeconds is 0.
    const [container] = service.spec.template.spec.containers;
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.readinessProbe.periodSeconds ?? 0).toBe(0);
  });
});

describe('Amazon ECS task definition', () => {
  const task = JSON.parse(readFileSync(deploy('ecs/task-definition.json'), 'utf8'));
  const container = task.containerDefinitions[0];

  it('is a valid Fargate task: a supported CPU/memory pair, awsvpc, one essential container', () => {
    expect(task.requiresCompatibilities).toEqual(['FARGATE']);
    expect(task.networkMode).toBe('awsvpc');
    // Fargate: 2 vCPU allows 4–16 GiB in 1 GiB steps.
    expect(task.cpu).toBe('2048');
    expect(Number(task.memory) % 1024).toBe(0);
    expect(Number(task.memory)).toBeGreaterThanOrEqual(4096);
    expect(Number(task.memory)).toBeLessThanOrEqual(16384);
    expect(task.containerDefinitions).toHaveLength(1);
    expect(container).toMatchObject({ name: 'gramscope', essential: true, command: ['serve'] });
    const volumes = new Set(task.volumes.map((v: any) => v.name));
    for (const m of container.mountPoints) expect(volumes.has(m.sourceVolume)).toBe(true);
  });

  it('runs hardened: non-root, read-only root, no capabilities, health check, bounded stop', () => {
    expect(container.user).toBe('10001:10001');
    expect(container.readonlyRootFilesystem).toBe(true);
    expect(container.privileged).toBe(false);
    expect(container.linuxParameters.capabilities.drop).toEqual(['ALL']);
    expect(container.healthCheck.command[0]).toBe('CMD');
    expect(container.stopTimeout).toBeLessThanOrEqual(120);
    const grace = container.environment.find((e: any) => e.name === 'GRAMSCOPE_SHUTDOWN_GRACE_SECONDS').value;
    expect(Number(grace)).toBeLessThan(container.stopTimeout);
  });

  it('takes secrets from Secrets Manager or SSM, never as plain environment', () => {
    const secretNames = [
      'DATABASE_URL',
      'GRAMSCOPE_OIDC_CLIENT_SECRET',
      'GRAMSCOPE_AUDIT_KEY',
      'GRAMSCOPE_ENCRYPTION_KEYS',
    ];
    const plain = new Set(container.environment.map((e: any) => e.name));
    for (const name of secretNames) {
      expect(plain.has(name), name).toBe(false);
      expect(container.secrets.find((s: any) => s.name === name)?.valueFrom, name).toMatch(
        /^arn:aws:(secretsmanager|ssm):/,
      );
    }
    const env = Object.fromEntries(container.environment.map((e: any) => [e.name, e.value]));
    expect(() => loadConfig(env)).not.toThrow();
  });
});

describe('docker compose', () => {
  const compose = parseYaml(readFileSync(deploy('compose/compose.yaml'), 'utf8'), { merge: true });

  it('runs gramscope with PostgreSQL, an OIDC provider and S3-compatible storage', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'gramscope',
      'keycloak',
      'minio',
      'minio-setup',
      'postgres',
    ]);
    const app = compose.services.gramscope;
    expect(app.depends_on.postgres.condition).toBe('service_healthy');
    expect(app.depends_on['minio-setup'].condition).toBe('service_completed_successfully');
    expect(app.environment.DATABASE_URL).toMatch(
      /^postgres:\/\/gramscope:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/gramscope$/,
    );
    expect(app.environment.GRAMSCOPE_S3_ENDPOINT).toBe('http://minio:9000');
    expect(app.build.dockerfile).toBe('deploy/Dockerfile');
  });

  it('sets only settings gramscope knows', () => {
    const known = new Set([
      ...SETTINGS.map((s) => s.env),
      'DATABASE_URL',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
    ]);
    const unknown = Object.keys(compose.services.gramscope.environment).filter((k) => !known.has(k));
    expect(unknown).toEqual([]);
  });

  it('signs in through Keycloak with one issuer URL for browser and server, the real callback and roles in the ID token', () => {
    const app = compose.services.gramscope;
    const keycloak = compose.services.keycloak;
    // Shared network namespace: localhost:8081 is Keycloak for gramscope and, through the
    // published port, for the browser; plain http is accepted for loopback issuers only.
    expect(app.network_mode).toBe('service:keycloak');
    expect(app.ports).toBeUndefined();
    const issuer = new URL(app.environment.GRAMSCOPE_OIDC_ISSUER);
    expect(issuer.hostname).toBe('localhost');
    expect(keycloak.command).toContain(`--http-port=${issuer.port}`);
    expect(keycloak.ports).toEqual([`127.0.0.1:${issuer.port}:${issuer.port}`, '127.0.0.1:8080:8080']);
    const redirect = app.environment.GRAMSCOPE_OIDC_REDIRECT_URI as string;
    expect(redirect).toBe(`${app.environment.GRAMSCOPE_PUBLIC_URL}/api/v1/auth/oidc/callback`);
    const realm = JSON.parse(readFileSync(deploy('compose/keycloak-realm.json'), 'utf8'));
    expect(issuer.pathname).toBe(`/realms/${realm.realm}`);
    const client = realm.clients.find((c: any) => c.clientId === app.environment.GRAMSCOPE_OIDC_CLIENT_ID);
    expect(client.redirectUris).toEqual([redirect]);
    const roleMapper = client.protocolMappers.find(
      (m: any) => m.protocolMapper === 'oidc-usermodel-realm-role-mapper',
    );
    expect(roleMapper.config['claim.name']).toBe(app.environment.GRAMSCOPE_OIDC_ROLES_CLAIM);
    expect(roleMapper.config['id.token.claim']).toBe('true');
    const mapped = (app.environment.GRAMSCOPE_OIDC_ROLE_MAP as string).split(',').map((p) => p.split('=')[0]);
    expect(mapped.sort()).toEqual(realm.roles.realm.map((r: any) => r.name).sort());
    // MFA is claimed as enforced: the realm must make every user set up TOTP.
    expect(app.environment.GRAMSCOPE_OIDC_MFA_ENFORCED).toBe('true');
    expect(realm.requiredActions.find((a: any) => a.alias === 'CONFIGURE_TOTP')?.defaultAction).toBe(true);
  });

  it('hardens the app container and keeps secrets out of the file', () => {
    const app = compose.services.gramscope;
    expect(app.read_only).toBe(true);
    expect(app.user).toBe('10001:10001');
    expect(app.cap_drop).toEqual(['ALL']);
    expect(app.security_opt).toContain('no-new-privileges:true');
    for (const service of Object.values<any>(compose.services))
      for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
    const text = readFileSync(deploy('compose/compose.yaml'), 'utf8');
    const secrets = [...text.matchAll(/\b[A-Z_]*(PASSWORD|SECRET|AUDIT_KEY|ENCRYPTION_KEYS)[A-Z_]*: (\S+)/g)];
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    for (const m of secrets) expect(m[2], m[0]).toMatch(/^\$\{/);
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(deploy('Dockerfile'), 'utf8');
  const steps = parseDockerfile(text);

  it('builds in one stage and runs from another, as a non-root user with a health check', () => {
    const froms = steps.filter((s) => s.op === 'FROM');
    expect(froms.map((s) => /AS (\S+)/.exec(s.args)?.[1])).toEqual(['build', 'runtime']);
    const runtime = steps.slice(steps.indexOf(froms[1]));
    expect(runtime.some((s) => s.op === 'RUN')).toBe(false);
    expect(runtime.find((s) => s.op === 'USER')?.args).toBe('10001:10001');
    expect(runtime.find((s) => s.op === 'HEALTHCHECK')?.args).toContain('/healthz');
    expect(runtime.find((s) => s.op === 'ENTRYPOINT')?.args).toBe('["node", "bin/gramscope.js"]');
    expect(runtime.filter((s) => s.op === 'COPY').every((s) => s.args.startsWith('--from=build'))).toBe(true);
  });

  it('copies only what .dockerignore lets in, and no secrets', () => {
    const ignore = readFileSync(path.join(root, '.dockerignore'), 'utf8');
    expect(ignore.split('\n')[1]).toBe('*');
    for (const copy of steps.filter((s) => s.op === 'COPY' && !s.args.startsWith('--from'))) {
      for (const src of copy.args.split(/\s+/).slice(0, -1)) expect(ignore, src).toContain(`!${src}`);
    }
    expect(text).not.toMatch(/(PASSWORD|SECRET|TOKEN)=/);
  });

  it('sets the allocator settings the benchmarked server runs with', () => {
    const env = steps
      .filter((s) => s.op === 'ENV')
      .map((s) => s.args)
      .join(' ');
    for (const [name, value] of Object.entries(IMAGE_MALLOC_ENV)) expect(env).toContain(`${name}=${value}`);
  });
});
