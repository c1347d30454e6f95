/**
 * `npm start`: a live demo on ./data/demo.db with the dashboard. Three queues with workers, a producer
 * adding jobs, retries with backoff, progress stages and priorities, printed as they happen; the
 * dashboard URL (token included, bound to 127.0.0.1) is printed first. Ctrl-C closes the workers
 * gracefully (active jobs finish) and exits 0. `--seconds N` stops by itself after N seconds;
 * BULLITE_DEMO_PORT picks the dashboard's port (default: a free one).
 */
import { mkdirSync } from 'node:fs';
import { createQueueEngine, Queue, QueueEvents, Worker, type Job } from '../../index.js';
import { demoLine, printCounts } from './demo-output.js';
import { startDashboard } from '../dashboard/start-dashboard.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 0;
const path = process.env.BULLITE_DEMO_DB ?? './data/demo.db';
if (path !== ':memory:') mkdirSync('./data', { recursive: true });

const engine = await createQueueEngine({ path });
const emails = new Queue<{ to: string }>('emails', { connection: engine, defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 300 } } });
const reports = new Queue<{ report: string }>('reports', { connection: engine });
const agents = new Queue<{ task: string }>('agents', { connection: engine });

const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

// Emails fail one time in three on their first attempt, to show retries with exponential backoff.
const emailWorker = new Worker<{ to: string }>('emails', async (job, _token, signal) => {
  await pause(80 + Math.random() * 120, signal);
  if (job.attemptsMade === 0 && Math.random() < 0.33) throw new Error(`SMTP timeout for ${job.data.to}`);
  return { delivered: job.data.to };
}, { connection: engine, concurrency: 4 });

// Reports move through stages and checkpoint their progress.
const reportWorker = new Worker<{ report: string }>('reports', async (job, _token, signal) => {
  for (const stage of ['initializing', 'executing', 'processing_output', 'finalizing']) {
    await job.updateProgress({ stage, pct: ['initializing', 'executing', 'processing_output', 'finalizing'].indexOf(stage) * 33 });
    await job.log(`stage ${stage}`);
    await pause(250, signal);
  }
  return { pages: 3 + Math.floor(Math.random() * 20) };
}, { connection: engine, concurrency: 2 });

// Agent tasks use priorities: urgent ones (priority 1) jump ahead of routine ones (priority 10).
const agentWorker = new Worker<{ task: string }>('agents', async (job, _token, signal) => {
  await pause(150, signal);
  return `${job.data.task}: done`;
}, { connection: engine, concurrency: 1 });

for (const [name, worker] of [['emails', emailWorker], ['reports', reportWorker], ['agents', agentWorker]] as const) {
  const w = worker as Worker;
  w.on('completed', (job: Job, result: unknown) => demoLine(name, job, `completed → ${JSON.stringify(result)}`));
  w.on('failed', (job: Job, error: Error) => demoLine(name, job, `failed (attempt ${job.attemptsMade}/${job.opts.attempts ?? 1}): ${error.message}`));
  w.on('error', (error: Error) => console.error(`[${name}] error: ${error.message}`));
}
const reportEvents = new QueueEvents('reports', { connection: engine });
reportEvents.on('progress', ({ jobId, data }: { jobId: string; data: { stage: string } }) => console.log(`  [reports] #${jobId} ${data.stage}`));

let produced = 0;
const producer = setInterval(() => {
  produced += 1;
  void emails.add('welcome', { to: `user${produced}@example.com` });
  if (produced % 3 === 0) void reports.add('monthly', { report: `R-${produced}` });
  if (produced % 2 === 0) {
    const urgent = produced % 4 === 0;
    void agents.add(urgent ? 'urgent' : 'routine', { task: `task-${produced}` }, { priority: urgent ? 1 : 10 });
  }
}, 400);
const stats = setInterval(() => void printCounts([emails, reports, agents]), 3000);

const dashboard = await startDashboard(engine, { port: Number(process.env.BULLITE_DEMO_PORT ?? 0) });
console.log(`bullite demo on ${path} — Ctrl-C to stop${seconds ? ` (stops by itself after ${seconds}s)` : ''}`);
console.log(`dashboard: ${dashboard.url}`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(producer);
  clearInterval(stats);
  console.log('\nstopping: waiting for active jobs to finish…');
  await dashboard.close();
  await Promise.all([emailWorker.close(), reportWorker.close(), agentWorker.close()]);
  await printCounts([emails, reports, agents]);
  await reportEvents.close();
  await engine.close();
  console.log('bye');
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
if (seconds > 0) setTimeout(() => void stop(), seconds * 1000);
