import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { Worker as ThreadWorker, type WorkerOptions as ThreadOptions } from 'node:worker_threads';
import type { ChildMessage, ParentMessage } from './sandbox-protocol.js';
import type { SandboxLaunch } from './sandbox-launch.js';

export interface HostListeners {
  message(message: ChildMessage): void;
  exit(code: number | null, signal: string | null, detail: string | undefined): void;
}

/**
 * One sandbox: a child process (default) or a worker thread running sandbox-child. It hides the two
 * transports behind send/kill and one exit callback that fires exactly once.
 */
export class SandboxHost {
  private alive = true;
  private lastError: string | undefined;
  private listeners: HostListeners | undefined;
  private readonly child: ChildProcess | undefined;
  private readonly thread: ThreadWorker | undefined;

  constructor(launch: SandboxLaunch) {
    if (launch.useWorkerThreads) {
      this.thread = new ThreadWorker(launch.threadBootstrap, {
        ...(launch.threadOptions as ThreadOptions),
        eval: true,
        workerData: { processor: launch.processorUrl, entry: launch.entryUrl, loader: launch.threadLoaderUrl },
      });
      this.thread.on('message', (m: ChildMessage) => this.listeners?.message(m));
      // A thread's error (uncaught exception, ERR_WORKER_OUT_OF_MEMORY) precedes its exit event.
      this.thread.on('error', (e) => (this.lastError = `${e.name}: ${e.message}`));
      this.thread.on('exit', (code) => this.onExit(code, null));
    } else {
      this.child = fork(launch.entryPath, [launch.processorUrl], {
        ...(launch.forkOptions as ForkOptions),
        execArgv: launch.execArgv,
        serialization: 'advanced',
      });
      this.child.on('message', (m: ChildMessage) => this.listeners?.message(m));
      this.child.on('error', (e) => (this.lastError = `${e.name}: ${e.message}`));
      this.child.on('exit', (code, signal) => this.onExit(code, signal));
    }
  }

  get isAlive(): boolean {
    return this.alive;
  }

  attach(listeners: HostListeners | undefined): void {
    this.listeners = listeners;
  }

  send(message: ParentMessage): void {
    if (!this.alive) return;
    if (this.thread !== undefined) this.thread.postMessage(message);
    else if (this.child?.connected) this.child.send(message);
  }

  /** SIGKILL for a process, terminate() for a thread: neither can be ignored by the processor. */
  kill(): void {
    if (!this.alive) return;
    if (this.thread !== undefined) void this.thread.terminate();
    else this.child?.kill('SIGKILL');
  }

  /** Resolves once the process/thread is gone. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => (this.thread ?? this.child)!.once('exit', () => resolve()));
    this.kill();
    await exited;
  }

  private onExit(code: number | null, signal: string | null): void {
    if (!this.alive) return;
    this.alive = false;
    this.listeners?.exit(code, signal, this.lastError);
  }
}
