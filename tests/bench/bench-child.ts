import { FULL, QUICK, type WorkloadResult } from './bench-support.js';
import { WORKLOADS } from './bench-workloads.js';

// One workload in one fresh process: run it, add the peak RSS, send the result to the orchestrator.
const [name, size] = process.argv.slice(2);
const spec = WORKLOADS[name];
if (spec === undefined) throw new Error(`unknown workload ${name}`);
const result: WorkloadResult = await spec.run(size === 'quick' ? QUICK : FULL);
result.rssMB = Math.round(process.resourceUsage().maxRSS / 1024);
// Run by hand (e.g. `node --cpu-prof <build>/bench-child.js W3 full`): no IPC channel, print instead.
if (process.send === undefined) console.log(JSON.stringify(result));
else process.send(result, () => process.exit(0));
