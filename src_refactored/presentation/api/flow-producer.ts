import { EventEmitter } from 'node:events';
import * as z from 'zod';
import type { FlowJobInput, FlowTree } from '../../core/application/services/flow.service.js';
import type { FlowNodeResult } from '../../core/application/ports/flow-repository.port.js';
import type { JobsOptions } from '../../core/domain/job/job-options.js';
import { assertCustomJobId } from '../../core/domain/job/job-id.js';
import { assertQueueName } from '../../core/domain/queue/queue-name.js';
import { acquireConnection, type Connection, type Lease } from '../composition/connection-registry.js';
import type { QueueEngine } from '../composition/queue-engine.js';
import type { JobsOptionsInput } from '../validation/job-options.schema.js';
import { flowJobSchema, flowOptsSchema, getFlowSchema, type FlowJobShape } from '../validation/flow.schema.js';
import { parseInput } from '../validation/parse-input.js';
import { Job } from './job.js';
import { ValidationError } from '../../shared/bullite-error.js';

/** One job of a flow (BullMQ's FlowJob). A child's `opts.parent` is set by the producer. */
export interface FlowJob<D = unknown> {
  name: string;
  queueName: string;
  data?: D;
  prefix?: string;
  opts?: JobsOptionsInput;
  children?: FlowChildJob[];
}

export type FlowChildJob = FlowJob;

export interface FlowOpts {
  /** Per queue: default options merged under each job's own (as a Queue's defaultJobOptions). */
  queuesOptions?: Record<string, { defaultJobOptions?: JobsOptionsInput }>;
}

export interface JobNode {
  job: Job;
  children?: JobNode[];
}

export interface NodeOpts {
  id: string;
  queueName: string;
  prefix?: string;
  /** Levels of descendants to read (default 10). */
  depth?: number;
  /** Children read per job (default: all). */
  maxChildren?: number;
}

export interface FlowProducerOptions {
  connection: Connection;
  prefix?: string;
}

const producerOptionsSchema = z.strictObject({ connection: z.unknown(), prefix: z.string().optional() });

/**
 * BullMQ's FlowProducer: adds a tree of jobs (children in any queue) in one transaction. A parent waits in
 * `waiting-children` until every child has resolved, then runs and can read `job.getChildrenValues()`.
 */
export class FlowProducer extends EventEmitter {
  private readonly lease: Lease;
  private closed = false;

  constructor(opts: FlowProducerOptions) {
    super();
    parseInput(producerOptionsSchema, opts, 'opts');
    this.lease = acquireConnection(opts.connection);
  }

  private get engine(): QueueEngine {
    return this.lease.engine;
  }

  async add(flow: FlowJob, opts?: FlowOpts): Promise<JobNode> {
    const [node] = await this.insert([flow], opts, () => 'flow');
    return node;
  }

  /** Several trees, all in one transaction: one invalid job rejects every tree. */
  async addBulk(flows: FlowJob[]): Promise<JobNode[]> {
    if (!Array.isArray(flows)) throw parseInput(z.array(z.unknown()), flows, 'flows');
    return this.insert(flows, undefined, (i) => `flows[${i}]`);
  }

  /** A job with its descendants, as stored now (children removed by retention are no longer listed). */
  async getFlow(opts: NodeOpts): Promise<JobNode | undefined> {
    const parsed = parseInput(getFlowSchema, opts, 'opts');
    const tree = await this.engine.flows.getFlow(parsed.queueName, parsed.id, parsed.depth ?? 10, parsed.maxChildren ?? -1);
    return tree === null ? undefined : this.toJobNode(tree);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.lease.release();
  }

  private async insert(flows: readonly FlowJob[], opts: FlowOpts | undefined, pathOf: (i: number) => string): Promise<JobNode[]> {
    const queuesOptions = parseInput(flowOptsSchema, opts, 'opts')?.queuesOptions ?? {};
    const defaults = (queue: string) => (queuesOptions[queue]?.defaultJobOptions ?? {}) as JobsOptions;
    const inputs = flows.map((flow, i) => toInput(parseInput(flowJobSchema, flow, pathOf(i)), pathOf(i), defaults));
    const results = await this.engine.flows.addFlows(inputs, flows.map((_, i) => `${pathOf(i)}.`));
    return results.map((r) => this.fromResult(r));
  }

  private fromResult(node: FlowNodeResult): JobNode {
    const job = new Job(this.engine, node.result.record);
    return node.children.length === 0 ? { job } : { job, children: node.children.map((c) => this.fromResult(c)) };
  }

  private toJobNode(tree: FlowTree): JobNode {
    const job = new Job(this.engine, tree.record);
    return tree.children === undefined ? { job } : { job, children: tree.children.map((c) => this.toJobNode(c)) };
  }
}

function toInput(flow: FlowJobShape, path: string, defaults: (queue: string) => JobsOptions): FlowJobInput {
  const queue = assertQueueName(flow.queueName, `${path}.queueName`);
  // As BullMQ (FlowJob's opts omit `repeat`): a repeating job has no single parent to resolve.
  if (flow.opts?.repeat !== undefined) throw new ValidationError(`${path}.opts.repeat`, 'A flow job cannot repeat: use a job scheduler');
  const opts = (flow.opts ?? {}) as JobsOptions;
  if (opts.jobId !== undefined) assertCustomJobId(opts.jobId, `${path}.opts.jobId`);
  return {
    queue,
    name: flow.name,
    data: flow.data,
    opts: { ...defaults(queue), ...opts },
    children: (flow.children ?? []).map((child, i) => toInput(child, `${path}.children[${i}]`, defaults)),
  };
}
