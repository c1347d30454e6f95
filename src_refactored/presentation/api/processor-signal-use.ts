/**
 * Whether a processor can see its third argument, the attempt's AbortSignal. A worker creates the signal
 * only for processors that can: in Node 20 each signal costs ~3 µs and survives V8's next scavenge (it
 * gets a hidden class of its own). Skipping it took W3 from 64.6 to 57.9 CPU µs per no-op job in one
 * process, and 13 MB off its peak RSS (docs/benchmark.md, optimisation table).
 *
 * The answer errs towards `true`: any doubt gives the processor its signal. It is `false` only for a
 * function whose source shows at most two plain parameters and never names `arguments`, so the third
 * argument cannot be read: no default value (`(job, token = x, signal)` has length 1) and no rest
 * parameter (`(...args)` has length 0). Bound, native, class and computed-name functions get a signal.
 */
export function mayReadSignal(fn: (...args: never[]) => unknown): boolean {
  if (fn.length >= 3) return true;
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return true;
  }
  const params = parameterList(source);
  if (params === undefined || /=|\.\.\./.test(params.text)) return true;
  return /\barguments\b/.test(source.slice(params.end));
}

/** The text of a function's parameter list and where it ends, or undefined when unsure. */
function parameterList(source: string): { text: string; end: number } | undefined {
  // `job => …` and `async job => …`: one parameter, no parentheses.
  const bare = /^(?:async\s+)?[\p{L}\p{Nl}$_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}$_]*\s*=>/u.exec(source);
  if (bare !== null) return { text: '', end: bare[0].length };
  // Native or bound functions, classes, and methods with a computed name (whose first "(" may be the key's).
  const computedName = /^(?:async\s+|static\s+|get\s+|set\s+|\*\s*)*\[/;
  if (source.includes('[native code]') || /^class\b/.test(source) || computedName.test(source)) return undefined;
  const open = source.indexOf('(');
  if (open < 0) return undefined;
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return { text: source.slice(open + 1, i), end: i + 1 };
    // A string, template or comment could hold an unmatched parenthesis: give up.
    else if (c === '"' || c === "'" || c === '`' || (c === '/' && (source[i + 1] === '/' || source[i + 1] === '*'))) return undefined;
  }
  return undefined;
}
