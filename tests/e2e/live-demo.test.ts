import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/child-process.js';
import { tempDir } from '../support/engine-fixture.js';

describe('npm start (the live demo)', () => {
  it('processes jobs, then exits cleanly on Ctrl-C after finishing active ones', async () => {
    const temp = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src_refactored/presentation/demo/live-demo.ts'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, BULLITE_DEMO_DB: join(temp.dir, 'demo.db') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let sentInt = false;
    child.stdout.on('data', (d) => {
      out += d;
      // Interrupt once a report is half-way through: the demo must let it finish before exiting.
      if (!sentInt && /\[reports\] #\d+ executing/.test(out) && /completed →/.test(out)) {
        sentInt = true;
        child.kill('SIGINT');
      }
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    temp.cleanup();
    expect(err).not.toMatch(/Error/);
    expect(code).toBe(0);
    expect(out).toMatch(/\[emails\] #\d+ welcome completed/);
    expect(out).toContain('stopping: waiting for active jobs to finish');
    const afterStop = out.slice(out.indexOf('stopping:'));
    expect(afterStop).toMatch(/\[reports\] #\d+ monthly completed/);
    expect(afterStop).toMatch(/reports +waiting=\d+ prioritized=\d+ delayed=\d+ active=0/);
    expect(out.trimEnd().endsWith('bye')).toBe(true);
    expect(out).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+\/\S*token=\S+/);
  });
});
