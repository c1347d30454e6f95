import { ValidationError } from '../../../shared/bullite-error.js';

/**
 * JSON.stringify silently turns functions, symbols and NaN into nothing or null, and Maps into `{}`:
 * the stored job would not be what the caller passed. This walks the value first and names the path.
 */
export function serializeJson(value: unknown, field: string): string {
  const seen = new Set<object>();
  const visit = (v: unknown, path: string): void => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(v)) throw new ValidationError(path, `${path} must be JSON-serialisable: ${v} is not`);
        return;
      case 'undefined':
        return;
      case 'bigint':
      case 'function':
      case 'symbol':
        throw new ValidationError(path, `${path} must be JSON-serialisable: a ${typeof v} is not`);
      case 'object': {
        if (v === null || v instanceof Date) return;
        if (seen.has(v)) throw new ValidationError(path, `${path} must be JSON-serialisable: it contains a cycle`);
        const proto = Object.getPrototypeOf(v);
        if (!Array.isArray(v) && proto !== Object.prototype && proto !== null && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
          throw new ValidationError(path, `${path} must be JSON-serialisable: a ${proto?.constructor?.name ?? 'class'} instance is not`);
        }
        seen.add(v);
        for (const [k, child] of Object.entries(v)) visit(child, Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`);
        seen.delete(v);
      }
    }
  };
  visit(value, field);
  return JSON.stringify(value === undefined ? null : value);
}
