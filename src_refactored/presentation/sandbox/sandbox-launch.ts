import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ValidationError } from '../../shared/bullite-error.js';
import { packageRoot } from '../../shared/package-root.js';

/** Everything needed to start one sandbox; computed once per Worker. */
export interface SandboxLaunch {
  useWorkerThreads: boolean;
  processorUrl: string;
  /** sandbox-child as a path (fork) and a URL (thread bootstrap). */
  entryPath: string;
  entryUrl: string;
  execArgv: string[];
  forkOptions: object;
  threadOptions: object;
  threadBootstrap: string;
  threadLoaderUrl: string | null;
}

export interface SandboxLaunchOptions {
  useWorkerThreads?: boolean;
  workerForkOptions?: { execArgv?: string[] } & Record<string, unknown>;
  workerThreadsOptions?: { execArgv?: string[] } & Record<string, unknown>;
}

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);
const SUPPORTED = new Set(['.js', '.mjs', '.cjs', ...TS_EXTENSIONS]);

const HERE = fileURLToPath(import.meta.url);

/**
 * Under tsx/vitest this file is .ts and sandbox-child.ts sits next to it. Built, this code is inside a
 * bundle (dist/index.js, the CLI's bundle) and the child is its own bundle in dist/presentation/sandbox/.
 */
function childEntryPath(): string {
  const sibling = join(dirname(HERE), `sandbox-child${extname(HERE)}`);
  return existsSync(sibling) ? sibling : join(packageRoot(), 'dist', 'presentation', 'sandbox', 'sandbox-child.js');
}

/**
 * A worker thread cannot take `--import` for a loader (the hooks register too late for its entry), so a
 * thread starts from this bootstrap, which registers tsx's hooks first when TypeScript is involved.
 */
const THREAD_BOOTSTRAP = `const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.loader) (await import(workerData.loader)).register();
  await import(workerData.entry);
})();`;

/** tsx's loader URLs, when tsx is installed next to bullite (it is needed only for TypeScript). */
function tsxUrls(): { forkImport: string; threadApi: string } | null {
  try {
    const root = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
    return {
      forkImport: pathToFileURL(join(root, 'dist/loader.mjs')).href,
      threadApi: pathToFileURL(join(root, 'dist/esm/api/index.mjs')).href,
    };
  } catch {
    return null;
  }
}

/** Normalises `processor` (absolute or cwd-relative path, or file: URL) and checks that it can run. */
export function sandboxLaunch(processor: string | URL, opts: SandboxLaunchOptions): SandboxLaunch {
  let file: string;
  try {
    file = processor instanceof URL ? fileURLToPath(processor) : isAbsolute(processor) ? processor : resolve(processor);
  } catch {
    throw new ValidationError('processor', 'processor must be a function, a file path or a file: URL');
  }
  if (!existsSync(file)) throw new ValidationError('processor', `processor file not found: ${file}`);
  const ext = extname(file);
  if (!SUPPORTED.has(ext)) {
    throw new ValidationError('processor', `processor file must be .js, .mjs, .cjs or (with tsx installed) .ts: ${file}`);
  }
  const entryPath = childEntryPath();
  const needsTsx = TS_EXTENSIONS.has(ext) || TS_EXTENSIONS.has(extname(entryPath));
  const tsx = needsTsx ? tsxUrls() : null;
  if (needsTsx && tsx === null) {
    throw new ValidationError('processor', `processor ${file} is TypeScript: install tsx, or point to the compiled .js file`);
  }
  const useWorkerThreads = opts.useWorkerThreads ?? false;
  const userArgv = (useWorkerThreads ? opts.workerThreadsOptions?.execArgv : opts.workerForkOptions?.execArgv) ?? [];
  return {
    useWorkerThreads,
    processorUrl: pathToFileURL(file).href,
    entryPath,
    entryUrl: pathToFileURL(entryPath).href,
    execArgv: [...(tsx !== null && !useWorkerThreads ? ['--import', tsx.forkImport] : []), ...userArgv],
    forkOptions: { ...opts.workerForkOptions, execArgv: undefined },
    threadOptions: { ...opts.workerThreadsOptions, execArgv: useWorkerThreads ? userArgv : undefined },
    threadBootstrap: THREAD_BOOTSTRAP,
    threadLoaderUrl: tsx?.threadApi ?? null,
  };
}
