import { createQueueEngine, Worker } from '../../src_refactored/index.js';
import { wallNow } from './bench-support.js';
import { benchEngineOptions } from './pg-bench-backend.js';

// One of W7's worker processes: waits for 'go', processes no-op jobs, reports its count every 100
// completions (with the time of the last one) until told to stop.
const [path, concurrency] = process.argv.slice(2);
const engine = await createQueueEngine(benchEngineOptions(path));
const worker = new Worker('bench', async () => undefined, { connection: engine, concurrency: Number(concurrency), autorun: false });
let done = 0;
worker.on('completed', () => {
  done++;
  if (done % 100 === 0) process.send!({ done, at: wallNow() });
});
worker.on('drained', () => process.send!({ done, at: wallNow() }));
process.on('message', async (message) => {
  if (message === 'go') void worker.run();
  if (message === 'stop') {
    await engine.close();
    process.exit(0);
  }
});
process.send!('ready');
