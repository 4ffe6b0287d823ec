import type { FastifyInstance } from 'fastify';
import type { OutboxState } from '../../store/schema.js';
import type { OutboxRow } from '../../store/store.js';
import { HttpProblem } from '../plugins/problem.js';
import { actorOf, servicePort, specRoute } from '../route.js';

export const outboxItemView = (r: OutboxRow) => ({
  seq: r.seq,
  id: r.id,
  target: r.target,
  action: r.action,
  subject: r.subject,
  state: r.state,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
});

/** The outbox for operators: what waits per target, dead letters, re-drive and drop. */
export default async function outboxRoutes(app: FastifyInstance): Promise<void> {
  const service = () => servicePort(app);

  specRoute(app, 'listOutbox', async (request) => {
    const q = request.query as { target?: string; state?: OutboxState; after?: number; limit?: number };
    const { store } = service();
    const items = await store.outbox.list({
      ...(q.target ? { target: q.target } : {}),
      ...(q.state ? { state: q.state } : {}),
      ...(q.after ? { after: q.after } : {}),
      limit: q.limit ?? 100,
    });
    return { targets: await store.outbox.targets(), items: items.map(outboxItemView) };
  });

  specRoute(app, 'retryOutboxItem', async (request, reply) => {
    const { itemId } = request.params as { itemId: string };
    if (!(await service().store.outbox.retry(itemId, actorOf(request))))
      throw new HttpProblem(404, `no dead or pending outbox item ${itemId}`);
    return reply.code(204).send();
  });

  specRoute(app, 'dropOutboxItem', async (request, reply) => {
    const { itemId } = request.params as { itemId: string };
    if (!(await service().store.outbox.drop(itemId, actorOf(request))))
      throw new HttpProblem(404, `no dead or pending outbox item ${itemId}`);
    return reply.code(204).send();
  });

  specRoute(app, 'complianceStatus', async (request) => {
    const { cloud } = request.query as { cloud?: string };
    return service().complianceStatus(cloud);
  });

  specRoute(app, 'publishNow', async (request) => {
    const body = (request.body ?? {}) as { to?: string; dryRun?: boolean };
    return service().publishNow({ ...(body.to ? { to: body.to } : {}), dryRun: body.dryRun ?? false });
  });
}
