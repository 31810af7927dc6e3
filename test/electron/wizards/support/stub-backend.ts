import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Approval, Execution, Plan } from '../../../../shared/remediation/wire';

/**
 * A small real HTTP backend for the run host's unit tests: the remediation API
 * of shared/remediation/wire.ts over an in-memory SSO model, recording every
 * call. Faults are scripted per test (a lost execute answer, a refused plan).
 * The integration test runs against the real reference server instead.
 */

export type StubCall = { method: string; path: string; body: unknown };

type SsoState = { enforced: boolean; configured: boolean };

export type StubOptions = {
  /** Time as the host sees it (the tests' manual clock), for plan expiry and timestamps. */
  now: () => number;
  customerNames?: Record<string, string>;
  /** Per customer: SSO enforced and whether IdP metadata is present (default: the broken state). */
  sso?: Record<string, SsoState>;
  /** Actions that need a typed confirmation and a second person's approval. */
  highRisk?: string[];
  /** Answers of other probes than the SSO model's, by probe name. */
  probeResults?: Record<string, Record<string, unknown>>;
};

export type StubBackend = {
  url: string;
  calls: StubCall[];
  /** How often each idempotency key was really executed (a replay does not count). */
  executions: Map<string, number>;
  sso: Map<string, SsoState>;
  /** The next N execute requests run the action, then lose the answer (the socket is destroyed). */
  loseExecuteAnswers(count: number): void;
  /** The next N probe requests fail with this status. */
  failProbes(count: number, status: number): void;
  decideApproval(approvalId: string, decision: 'granted' | 'denied', by?: string): void;
  callsTo(prefix: string): StubCall[];
  close(): Promise<void>;
};

function readBody(request: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text === '' ? null : JSON.parse(text));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    request.on('error', reject);
  });
}

export async function startStubBackend(options: StubOptions): Promise<StubBackend> {
  const calls: StubCall[] = [];
  const sso = new Map<string, SsoState>(Object.entries(options.sso ?? {}));
  const plans = new Map<string, Plan>();
  const executions = new Map<string, number>();
  const answers = new Map<string, Execution>();
  const approvals = new Map<string, Approval>();
  const highRisk = new Set(options.highRisk ?? ['config.set', 'version.pin']);
  let lostAnswers = 0;
  let probeFailures = { count: 0, status: 503 };
  let counter = 0;
  let pushedThrough = 0;
  const iso = () => new Date(options.now()).toISOString();
  const stateOf = (customerId: string): SsoState => {
    let state = sso.get(customerId);
    if (!state) {
      state = { enforced: true, configured: false };
      sso.set(customerId, state);
    }
    return state;
  };

  function probe(name: string, customerId: string): Record<string, unknown> {
    const given = options.probeResults?.[name];
    if (given) return given;
    const state = stateOf(customerId);
    const isBroken = state.enforced && !state.configured;
    switch (name) {
      case 'sso.login':
        return isBroken
          ? { ok: false, status: 403, error: 'SAML response rejected: no IdP metadata configured', latencyMs: 210 }
          : { ok: true, status: 200, error: null, latencyMs: 150 };
      case 'sso.metadata':
        return {
          configured: state.configured,
          enforced: state.enforced,
          idpReachable: true,
          certificateExpired: false,
          certificateExpiresAt: '2027-06-01T00:00:00.000Z',
        };
      case 'customer.health':
        return {
          health: isBroken ? 'down' : 'ok',
          errorRate: isBroken ? 1 : 0,
          failingFeatures: isBroken ? ['sso'] : [],
          version: '26.13.0',
        };
      default:
        return {};
    }
  }

  const server = http.createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://stub');
      const body = request.method === 'POST' ? await readBody(request) : null;
      calls.push({ method: request.method ?? 'GET', path: url.pathname, body });
      const send = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(payload));
      };
      const input = (body ?? {}) as Record<string, unknown>;
      const probeMatch = /^\/v1\/probes\/([^/]+)$/.exec(url.pathname);
      if (probeMatch && request.method === 'POST') {
        if (probeFailures.count > 0) {
          probeFailures = { ...probeFailures, count: probeFailures.count - 1 };
          return send(probeFailures.status, { error: 'probe_failed', message: 'the probe runner is unavailable' });
        }
        const name = decodeURIComponent(probeMatch[1] ?? '');
        const customerId = String(input.customerId);
        return send(200, { probe: name, customerId, observedAt: iso(), result: probe(name, customerId) });
      }
      if (url.pathname === '/v1/actions/plan' && request.method === 'POST') {
        counter += 1;
        const customerId = String(input.customerId);
        const action = String(input.action);
        const params = (input.params ?? {}) as Record<string, unknown>;
        const isHigh = highRisk.has(action);
        const state = stateOf(customerId);
        const plan: Plan = {
          planId: `plan-${counter}`,
          action,
          actionVersion: 1,
          risk: isHigh ? 'high' : 'medium',
          customer: { id: customerId, name: options.customerNames?.[customerId] ?? customerId },
          params: params as Plan['params'],
          changes:
            action === 'flags.set'
              ? [{ target: `flag ${String(params.key)}`, from: state.enforced, to: params.value as boolean }]
              : [{ target: action, from: null, to: null }],
          isNoop: false,
          requiresTypedConfirmation: isHigh,
          requiresApproval: isHigh,
          expiresAt: new Date(options.now() + 15 * 60_000).toISOString(),
          createdBy: 'dana',
        };
        plans.set(plan.planId, plan);
        return send(200, plan);
      }
      if (url.pathname === '/v1/actions/execute' && request.method === 'POST') {
        const key = String(input.idempotencyKey);
        const stored = answers.get(key);
        if (stored) {
          if (lostAnswers > 0) {
            lostAnswers -= 1;
            request.socket.destroy();
            return;
          }
          return send(200, { ...stored, isReplay: true });
        }
        const plan = plans.get(String(input.planId));
        if (!plan) return send(404, { error: 'plan_not_found', message: 'no such plan' });
        if (plan.requiresTypedConfirmation && input.typedConfirmation !== plan.customer.name) {
          return send(422, { error: 'confirmation_mismatch', message: 'type the customer name to confirm' });
        }
        if (plan.requiresApproval) {
          const approval = approvals.get(String(input.approvalId));
          if (!approval || approval.status !== 'granted' || approval.planId !== plan.planId)
            return send(403, { error: 'approval_required', message: 'a granted approval is required' });
        }
        if (plan.action === 'flags.set' && plan.params.key === 'sso.enforce')
          stateOf(plan.customer.id).enforced = plan.params.value === true;
        executions.set(key, (executions.get(key) ?? 0) + 1);
        counter += 1;
        const execution: Execution = {
          executionId: `exec-${counter}`,
          planId: plan.planId,
          idempotencyKey: key,
          status: 'succeeded',
          isReplay: false,
          changes: plan.changes,
          result: { changed: true },
          error: null,
          auditId: `audit-${counter}`,
          eventId: null,
          executedAt: iso(),
          attempts: 1,
        };
        answers.set(key, execution);
        if (lostAnswers > 0) {
          lostAnswers -= 1;
          request.socket.destroy();
          return;
        }
        return send(200, execution);
      }
      if (url.pathname === '/v1/approvals' && request.method === 'POST') {
        const plan = plans.get(String(input.planId));
        if (!plan) return send(404, { error: 'plan_not_found', message: 'no such plan' });
        counter += 1;
        const approval: Approval = {
          approvalId: `approval-${counter}`,
          planId: plan.planId,
          status: 'pending',
          requestedBy: 'dana',
          decidedBy: null,
          note: '',
          plan,
        };
        approvals.set(approval.approvalId, approval);
        return send(200, approval);
      }
      const approvalMatch = /^\/v1\/approvals\/([^/]+)$/.exec(url.pathname);
      if (approvalMatch && request.method === 'GET') {
        const approval = approvals.get(decodeURIComponent(approvalMatch[1] ?? ''));
        return approval ? send(200, approval) : send(404, { error: 'not_found', message: 'no such approval' });
      }
      if (url.pathname === '/v1/sync/push' && request.method === 'POST') {
        const mutations = ((input.mutations ?? []) as { seq: number }[]).map((mutation) => mutation.seq);
        pushedThrough = Math.max(pushedThrough, ...mutations);
        return send(200, { lastSeq: pushedThrough, results: mutations.map((seq) => ({ seq, status: 'applied' })) });
      }
      if (url.pathname === '/v1/sync/pull' && request.method === 'POST') {
        return send(200, { buckets: [], addedBuckets: [], removedBuckets: [], acked: { lastSeq: pushedThrough, results: [] } });
      }
      return send(404, { error: 'not_found', message: `no route ${request.method} ${url.pathname}` });
    })().catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'internal', message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    executions,
    sso,
    loseExecuteAnswers(count) {
      lostAnswers = count;
    },
    failProbes(count, status) {
      probeFailures = { count, status };
    },
    decideApproval(approvalId, decision, by = 'lee.l2') {
      const approval = approvals.get(approvalId);
      if (!approval) throw new Error(`no approval ${approvalId}`);
      approvals.set(approvalId, { ...approval, status: decision, decidedBy: by, note: decision === 'denied' ? 'not now' : '' });
    },
    callsTo: (prefix) => calls.filter((call) => call.path.startsWith(prefix)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
