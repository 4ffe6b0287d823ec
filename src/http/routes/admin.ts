import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../core/errors.js';
import type { ProfileId } from '../../core/ids.js';
import { hasSources, type SourcesSpec } from '../../pipeline/introspect.js';
import type { Cloud, Run } from '../../store/store.js';
import { HttpProblem } from '../plugins/problem.js';
import { actorOf, servicePort, specRoute } from '../route.js';

function cloudView(c: Cloud) {
  const sources = JSON.parse(c.sources) as Record<string, unknown>;
  return {
    id: c.id,
    name: c.name,
    profiles: JSON.parse(c.profiles) as string[],
    intervalSeconds: c.interval_seconds,
    enabled: c.enabled === 1,
    sources,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  };
}

function runView(r: Run) {
  return {
    id: r.id,
    cloud: r.cloud_id,
    trigger: r.trigger,
    state: r.state,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    stages: JSON.parse(r.stages) as Record<string, unknown>,
    provenance: JSON.parse(r.provenance) as unknown[],
    summary: JSON.parse(r.summary) as Record<string, unknown>,
    error: r.error,
    inventoryHash: r.inventory_hash,
  };
}

/** The operator's routes: clouds, runs, the audit log and metrics (admin token). */
export default async function adminRoutes(app: FastifyInstance): Promise<void> {
  const service = () => servicePort(app);
  const base = app.gateway.config.publicBaseUrl;

  specRoute(app, 'listClouds', async () => ({ clouds: (await service().store.clouds.list()).map(cloudView) }));

  specRoute(app, 'getCloud', async (request) => {
    const { cloudId } = request.params as { cloudId: string };
    const cloud = await service().store.clouds.get(cloudId);
    if (!cloud) throw new HttpProblem(404, `no cloud ${cloudId}`);
    return cloudView(cloud);
  });

  specRoute(app, 'putCloud', async (request, reply) => {
    const { store } = service();
    const body = request.body as {
      id: string;
      name?: string;
      profiles?: ProfileId[];
      intervalSeconds?: number;
      enabled?: boolean;
      sources: SourcesSpec;
    };
    if (!hasSources(body.sources)) throw new HttpProblem(400, 'sources names nothing to introspect');
    const existing = await store.clouds.get(body.id);
    if (existing && (JSON.parse(existing.sources) as { demo?: boolean }).demo)
      throw new HttpProblem(409, `${body.id} is the demo cloud of the configuration; choose another id`);
    // Everything the sources name must be allowed and readable now: a wrong clouds.yaml name, a file
    // outside api.cloudSources.dir or a secret the configuration does not offer is a 400, not a failed run later.
    try {
      service().checkCloudSources(body.id, body.sources);
    } catch (err) {
      if (err instanceof GatewayError) throw new HttpProblem(400, err.message);
      throw err;
    }
    const cloud = await store.clouds.put(
      {
        id: body.id,
        name: body.name ?? body.id,
        sources: JSON.stringify(body.sources),
        profiles: JSON.stringify(body.profiles ?? ['gaia-x-25.11', 'tagus-22.10']),
        interval_seconds: body.intervalSeconds ?? 3600,
        enabled: body.enabled === false ? 0 : 1,
      },
      actorOf(request),
    );
    return reply
      .code(existing ? 200 : 201)
      .header('location', `${base}/admin/clouds/${encodeURIComponent(cloud.id)}`)
      .send(cloudView(cloud));
  });

  specRoute(app, 'startRun', async (request, reply) => {
    const { runner, store } = service();
    const { cloudId } = request.params as { cloudId: string };
    if (!(await store.clouds.get(cloudId))) throw new HttpProblem(404, `no cloud ${cloudId}`);
    const begun = await runner.begin(cloudId, 'manual', { actor: actorOf(request) });
    if ('busy' in begun)
      throw new HttpProblem(
        409,
        `a run of ${cloudId} is in progress (held by ${begun.holder}); try again when it ends`,
      );
    begun.done.catch(() => undefined);
    return reply.code(202).header('location', `${base}/admin/runs/${begun.run.id}`).send(runView(begun.run));
  });

  specRoute(app, 'listRuns', async (request) => {
    const q = request.query as { cloud?: string; limit?: number; before?: string };
    const runs = await service().store.runs.list({
      ...(q.cloud ? { cloud: q.cloud } : {}),
      ...(q.before ? { before: q.before } : {}),
      limit: q.limit ?? 20,
    });
    return { runs: runs.map(runView) };
  });

  specRoute(app, 'getRun', async (request) => {
    const { runId } = request.params as { runId: string };
    const run = await service().store.runs.get(runId);
    if (!run) throw new HttpProblem(404, `no run ${runId}`);
    return runView(run);
  });

  specRoute(app, 'listAudit', async (request) => {
    const q = request.query as { after?: number; limit?: number };
    const entries = await service().store.audit.after(q.after ?? 0, q.limit ?? 100);
    return {
      entries: entries.map((e) => ({
        seq: e.seq,
        at: e.at,
        actor: e.actor,
        action: e.action,
        target: e.target,
        detail: JSON.parse(e.detail) as unknown,
      })),
    };
  });

  specRoute(app, 'getMetrics', async (_request, reply) => {
    const { metrics } = service();
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
