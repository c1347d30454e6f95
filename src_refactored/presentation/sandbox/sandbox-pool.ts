import type { Job } from '../api/job.js';
import { SandboxExitError } from './sandbox-errors.js';
import { SandboxHost } from './sandbox-host.js';
import type { SandboxLaunch } from './sandbox-launch.js';
import { fromWireError, toWireError, type ChildMessage, type JobMethod, type SandboxJobSnapshot } from './sandbox-protocol.js';

/** Default ms a sandboxed processor gets to honour its abort signal before it is killed. */
export const DEFAULT_KILL_GRACE_MS = 5_000;

function snapshot(job: Job): SandboxJobSnapshot {
  return {
    id: job.id,
    name: job.name,
    queueName: job.queueName,
    data: job.data,
    opts: job.opts,
    progress: job.progress,
    attemptsMade: job.attemptsMade,
    attemptsStarted: job.attemptsStarted,
    timestamp: job.timestamp,
    processedOn: job.processedOn,
    token: job.token,
  };
}

function callJob(job: Job, method: JobMethod, arg: unknown): Promise<unknown> {
  switch (method) {
    case 'updateProgress':
      return job.updateProgress(arg as number | object);
    case 'log':
      return job.log(arg as string);
    case 'updateData':
      return job.updateData(arg);
  }
}

/**
 * Sandboxes of one Worker, each running one job at a time. The runner never runs more than
 * `concurrency` jobs at once, so the pool never holds more sandboxes than that. They are started on
 * demand and reused; one that died (crash, exit, OOM, killed after ignoring its signal) is dropped and
 * the next job gets a fresh one.
 */
export class SandboxPool {
  private readonly idle: SandboxHost[] = [];
  private readonly all = new Set<SandboxHost>();
  private closed = false;

  constructor(
    private readonly launch: SandboxLaunch,
    private readonly killGraceMs: number,
  ) {}

  async run(job: Job, signal: AbortSignal): Promise<unknown> {
    let host = this.idle.pop();
    while (host !== undefined && !host.isAlive) host = this.idle.pop();
    host ??= this.spawn();
    try {
      return await this.runOn(host, job, signal);
    } finally {
      host.attach(undefined);
      if (host.isAlive && !this.closed) this.idle.push(host);
      else this.all.delete(host);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.idle.length = 0;
    await Promise.all([...this.all].map((h) => h.stop()));
    this.all.clear();
  }

  private spawn(): SandboxHost {
    const host = new SandboxHost(this.launch);
    this.all.add(host);
    return host;
  }

  private runOn(host: SandboxHost, job: Job, signal: AbortSignal): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let killTimer: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (killTimer !== undefined) clearTimeout(killTimer);
        outcome();
      };
      // Once aborted, the signal's reason is the outcome whatever the processor does after it
      // (CancelledError is not retried; a lost lock must not be reported as a processor failure).
      const fail = (error: Error) => finish(() => reject(signal.aborted ? signal.reason : error));
      const onAbort = () => {
        host.send({ type: 'abort', reason: toWireError(signal.reason) });
        killTimer = setTimeout(() => host.kill(), this.killGraceMs);
      };
      host.attach({
        message: (m: ChildMessage) => {
          if (m.type === 'done') {
            if (signal.aborted) fail(signal.reason);
            else finish(() => resolve(m.result));
          } else if (m.type === 'failed') fail(fromWireError(m.error));
          else if (m.type === 'call') {
            callJob(job, m.method, m.arg).then(
              (value) => host.send({ type: 'reply', callId: m.callId, ok: true, value }),
              (error) => host.send({ type: 'reply', callId: m.callId, ok: false, error: toWireError(error) }),
            );
          }
        },
        exit: (code, sig, detail) => fail(new SandboxExitError(code, sig, detail)),
      });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      host.send({ type: 'start', job: snapshot(job) });
    });
  }
}
