import { createQueueEngine, Worker } from '../../src_refactored/index.js';
import { wallNow } from './bench-support.js';
import { benchEngineOptions } from './pg-bench-backend.js';

// W5x's worker process: default engine settings, reports when each processor starts.
const [path] = process.argv.slice(2);
const engine = await createQueueEngine(benchEngineOptions(path));
new Worker('bench', async () => void process.send!({ at: wallNow() }), { connection: engine, concurrency: 1 });
process.on('SIGTERM', () => void engine.close().then(() => process.exit(0)));
process.send!('ready');
