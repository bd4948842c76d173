/**
 * The benchmark's HTTP clients, in a worker thread of their own: the api under test keeps the main
 * thread's event loop to itself, as it would in production, instead of sharing it with its load.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

export interface ClientJob {
  readonly baseUrl: string;
  readonly agents: ReadonlyArray<{ cookie: string; csrf: string }>;
  readonly mode: 'claim' | 'queue';
  /** Stop after this many successful requests in all. */
  readonly target: number;
}

export interface ClientResult {
  readonly ms: number[];
  readonly ok: number;
  readonly failed: number;
  readonly seconds: number;
}

async function run(job: ClientJob): Promise<ClientResult> {
  const ms: number[] = [];
  let ok = 0;
  let failed = 0;
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    job.agents.map(async (agent) => {
      while (started < job.target) {
        started++;
        const t = performance.now();
        const res =
          job.mode === 'claim'
            ? await fetch(`${job.baseUrl}/api/outreach/cases/claim-next`, { method: 'POST', headers: { cookie: agent.cookie, 'x-csrf-token': agent.csrf } })
            : await fetch(`${job.baseUrl}/api/outreach/queue`, { headers: { cookie: agent.cookie } });
        const body = (await res.json()) as { cases?: unknown[] };
        const good = res.status === 200 && (job.mode === 'claim' || (body.cases?.length ?? 0) > 0);
        if (good) {
          ok++;
          ms.push(performance.now() - t);
        } else {
          failed++;
          started--;
          if (failed > job.target) throw new Error(`too many failures (last status ${res.status})`);
        }
      }
    }),
  );
  return { ms, ok, failed, seconds: (performance.now() - t0) / 1000 };
}

run(workerData as ClientJob).then(
  (result) => parentPort!.postMessage(result),
  (err: unknown) => {
    throw err;
  },
);
