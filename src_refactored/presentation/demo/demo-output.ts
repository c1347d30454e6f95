import type { Job, Queue } from '../../index.js';

export function demoLine(queue: string, job: Job, text: string): void {
  console.log(`[${queue}] #${job.id} ${job.name} ${text}`);
}

/** One line per queue: how many jobs are in each state right now. */
export async function printCounts(queues: Queue<never>[] | Queue[]): Promise<void> {
  for (const queue of queues as Queue[]) {
    const c = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
    const parts = Object.entries(c).map(([state, n]) => `${state}=${n}`).join(' ');
    console.log(`  ── ${queue.name.padEnd(8)} ${parts}`);
  }
}
