import type { Logger } from '../../core/application/ports/logger.port.js';

/** Default logger: the engine reports problems through `error` events; logs are opt-in. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
