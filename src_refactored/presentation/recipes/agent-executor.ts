import type { QueueEngine } from '../composition/queue-engine.js';
import { Queue } from '../api/queue.js';
import { Worker, type WorkerOptions } from '../api/worker.js';
import type { Job } from '../api/job.js';
import type { JobsOptionsInput } from '../validation/job-options.schema.js';

/**
 * Recipe for an in-process agent executor: long, step-wise jobs that report stages, checkpoint their
 * state into the job (so a retried or crash-recovered attempt resumes where the last one stopped), and
 * stop when cancelled or timed out (the signal aborts).
 */

export const AGENT_STAGES = ['initializing', 'validating', 'executing', 'processing_output', 'finalizing'] as const;
export type AgentStage = (typeof AGENT_STAGES)[number];

/** What an agent job stores: its input, and the last checkpoint once one was saved. */
export interface AgentJobData<Input, State> {
  input: Input;
  checkpoint?: State;
}

export interface AgentContext<Input, State> {
  input: Input;
  /** The state saved by the last `saveCheckpoint` of any attempt, or undefined on a fresh start. */
  checkpoint: State | undefined;
  /** True when this attempt starts from a checkpoint (a retry or a recovery after a crash). */
  resumed: boolean;
  signal: AbortSignal;
  job: Job<AgentJobData<Input, State>>;
  /** Stores the agent's state in the job, durably, before the next step starts. */
  saveCheckpoint(state: State): Promise<void>;
  log(message: string): Promise<void>;
  /** Reports progress inside the executing stage (0–100). */
  progress(pct: number, detail?: Record<string, unknown>): Promise<void>;
}

export interface AgentSpec<Input, State, Output> {
  queue: string;
  /** Job name used by `add` (default 'agent-run'). */
  name?: string;
  /** Checks the input before any work; throw UnrecoverableError to fail without retries. */
  validate?(input: Input): void | Promise<void>;
  run(ctx: AgentContext<Input, State>): Promise<Output>;
  /** Turns the run's output into the job's return value (stage processing_output). */
  output?(result: Output, ctx: AgentContext<Input, State>): unknown | Promise<unknown>;
}

/** Each stage's share of the progress bar: executing dominates a long agent run. */
const STAGE_START: Record<AgentStage, number> = { initializing: 0, validating: 5, executing: 10, processing_output: 90, finalizing: 95 };

export interface AgentExecutor<Input> {
  worker: Worker;
  add(input: Input, opts?: JobsOptionsInput): Promise<Job>;
  close(): Promise<void>;
}

export function createAgentExecutor<Input, State, Output>(
  engine: QueueEngine,
  spec: AgentSpec<Input, State, Output>,
  workerOptions: Omit<WorkerOptions, 'connection'> = {},
): AgentExecutor<Input> {
  const name = spec.name ?? 'agent-run';
  const queue = new Queue<AgentJobData<Input, State>>(spec.queue, { connection: engine });
  const worker = new Worker<AgentJobData<Input, State>>(spec.queue, async (job, _token, signal) => {
    const stage = async (s: AgentStage, detail: Record<string, unknown> = {}) => {
      if (signal.aborted) throw signal.reason;
      await job.updateProgress({ stage: s, pct: STAGE_START[s], ...detail });
      await job.log(`stage: ${s}`);
    };
    const ctx: AgentContext<Input, State> = {
      input: job.data.input,
      checkpoint: job.data.checkpoint,
      resumed: job.data.checkpoint !== undefined,
      signal,
      job,
      saveCheckpoint: async (state) => {
        if (signal.aborted) throw signal.reason;
        await job.updateData({ ...job.data, checkpoint: state });
        ctx.checkpoint = state;
      },
      log: (message) => job.log(message).then(() => undefined),
      progress: (pct, detail = {}) => job.updateProgress({ stage: 'executing', pct: 10 + Math.round(Math.min(100, Math.max(0, pct)) * 0.8), ...detail }),
    };
    await stage('initializing', ctx.resumed ? { resumedFrom: ctx.checkpoint as unknown } : {});
    await stage('validating');
    await spec.validate?.(ctx.input);
    await stage('executing');
    const result = await spec.run(ctx);
    await stage('processing_output');
    const output = spec.output === undefined ? result : await spec.output(result, ctx);
    await stage('finalizing');
    await job.updateProgress({ stage: 'finalizing', pct: 100 });
    return output;
  }, { ...workerOptions, connection: engine });
  return {
    worker: worker as Worker,
    add: (input, opts) => queue.add(name, { input }, opts) as Promise<Job>,
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
}
