/**
 * Messages between a Worker and its sandboxed processor (child process or worker thread). Both sides
 * use structured clone ('advanced' IPC serialisation for child processes), so job data, progress and
 * results arrive as the same values a thread would see.
 */

/** A job as the sandboxed processor sees it: a plain snapshot; its methods are proxies to the parent. */
export interface SandboxJobSnapshot {
  id: string;
  name: string;
  queueName: string;
  data: unknown;
  opts: unknown;
  progress: unknown;
  attemptsMade: number;
  attemptsStarted: number;
  timestamp: number;
  processedOn: number | undefined;
  token: string | undefined;
}

/** An error as it crosses the boundary; `name` survives so UnrecoverableError stays unrecoverable. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

export type JobMethod = 'updateProgress' | 'log' | 'updateData';

export type ParentMessage =
  | { type: 'start'; job: SandboxJobSnapshot }
  | { type: 'abort'; reason: WireError }
  | { type: 'reply'; callId: number; ok: true; value: unknown }
  | { type: 'reply'; callId: number; ok: false; error: WireError };

export type ChildMessage =
  | { type: 'call'; callId: number; method: JobMethod; arg: unknown }
  | { type: 'done'; result: unknown }
  | { type: 'failed'; error: WireError };

export function toWireError(error: unknown): WireError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, stack: error.stack, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

/** Rebuilds an Error in this realm; the name is kept (settle-command decides retries by name). */
export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  if (wire.stack !== undefined) error.stack = wire.stack;
  if (wire.code !== undefined) Object.assign(error, { code: wire.code });
  return error;
}
