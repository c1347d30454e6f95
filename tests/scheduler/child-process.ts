import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles a TypeScript fixture of ./fixtures into one ESM file (dependencies stay external). Starting it
 * then costs a plain node start-up instead of tsx transforming the whole source tree in every child,
 * which took 4-5 s per child on a loaded 2-core machine; the crash test starts twenty. The bundle sits in
 * fixtures/.bundle/, four folders below the package root like sqlite-database.ts, so that file's
 * relative path to the migrations folder (`../../../../drizzle`) still resolves inside the bundle.
 */
export async function bundleFixture(name: string): Promise<string> {
  const entry = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  const outfile = fileURLToPath(new URL(`./fixtures/.bundle/${name.replace(/\.ts$/, '')}-${process.pid}.mjs`, import.meta.url));
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error' });
  return outfile;
}

/** Starts a bundled fixture in a real child process with an IPC channel; `ready` is its first message. */
export function startFixture(bundle: string, args: string[]): { child: ChildProcess; ready: Promise<void>; exited: Promise<void> } {
  const child = spawn(process.execPath, [bundle, ...args], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const ready = new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`fixture ${bundle} exited early (${code})`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  ready.catch(() => undefined);
  return { child, ready, exited };
}

/** Sends a message and resolves with the child's next reply. */
export function ask(child: ChildProcess, message: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(message as object);
  });
}
