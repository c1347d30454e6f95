import { inject, injectable } from 'inversify';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import { EVENT_BUS, type EventBus } from '../ports/event-bus.port.js';
import {
  FLOW_REPOSITORY,
  type DependencyEntry,
  type FlowNodeInput,
  type FlowNodeResult,
  type IFlowRepository,
} from '../ports/flow-repository.port.js';
import type { InsertResult, JobRecord } from '../ports/job-record.js';
import type { JobsOptions } from '../../domain/job/job-options.js';
import { LockLostError, UnrecoverableError } from '../../domain/job/job-errors.js';
import { JobQueueService } from './job-queue.service.js';

/** One job of a flow as the presentation layer hands it over: validated, queue defaults merged. */
export interface FlowJobInput {
  queue: string;
  name: string;
  data: unknown;
  opts: JobsOptions;
  children: FlowJobInput[];
}

export interface FlowTree {
  record: JobRecord;
  children?: FlowTree[];
}

function flatten(nodes: readonly FlowNodeResult[], into: InsertResult[] = []): InsertResult[] {
  for (const node of nodes) {
    into.push(node.result);
    flatten(node.children, into);
  }
  return into;
}

/** Parent/child flows and dependency reads (behind FlowProducer and the Job handle). */
@injectable()
export class FlowService {
  constructor(
    @inject(FLOW_REPOSITORY) private readonly flows: IFlowRepository,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(EVENT_BUS) private readonly events: EventBus,
    @inject(JobQueueService) private readonly queues: JobQueueService,
  ) {}

  /** All trees in one transaction; a bad job anywhere rejects every tree before anything is stored. */
  async addFlows(flows: readonly FlowJobInput[], prefixes: readonly string[]): Promise<FlowNodeResult[]> {
    const nodes = flows.map((flow, i) => this.toNode(flow, prefixes[i]));
    const results = await this.flows.insertFlows(nodes, this.clock.now());
    this.queues.announce(flatten(results));
    return results;
  }

  private toNode(flow: FlowJobInput, prefix: string): FlowNodeInput {
    return {
      job: this.queues.toNewJob(flow.queue, flow, prefix),
      children: flow.children.map((child, i) => this.toNode(child, `${prefix}children[${i}].`)),
    };
  }

  /** A job and its stored descendants, `depth` levels down, at most `maxChildren` per job (-1: all). */
  async getFlow(queue: string, id: string, depth: number, maxChildren: number): Promise<FlowTree | null> {
    const record = await this.queues.getJob(queue, id);
    return record === null ? null : this.subtree(record, depth, maxChildren);
  }

  private async subtree(record: JobRecord, depth: number, maxChildren: number): Promise<FlowTree> {
    if (depth <= 0) return { record };
    const children = await this.flows.children(record.queue, record.id, maxChildren);
    if (children.length === 0) return { record };
    return { record, children: await Promise.all(children.map((c) => this.subtree(c, depth - 1, maxChildren))) };
  }

  dependencies(queue: string, id: string): Promise<DependencyEntry[]> {
    return this.flows.dependencies(queue, id);
  }

  /** true: the job now waits for its children (the processor should throw WaitingChildrenError). */
  async moveToWaitingChildren(queue: string, id: string, token: string): Promise<boolean> {
    const outcome = await this.flows.moveToWaitingChildren({ queue, id, token });
    if (outcome === 'lock-lost') throw new LockLostError(id, 'moveToWaitingChildren');
    // BullMQ's answer (JobHasFailedChildren): thrown out of the processor, it fails the parent without retries.
    if (outcome === 'failed-child') {
      throw new UnrecoverableError(`Cannot complete job ${id} because it has at least one failed child. moveToWaitingChildren`);
    }
    if (outcome === 'moved') this.events.publish({ queue, event: 'waiting-children', args: { jobId: id, prev: 'active' } });
    return outcome === 'moved';
  }
}
