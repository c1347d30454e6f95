#!/usr/bin/env node
// The `bullite` command. In a source checkout (after `npm ci`) it runs the TypeScript sources through
// tsx, a dev dependency; an installed package has no sources and runs its build in dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const source = fileURLToPath(new URL('../src_refactored/presentation/cli/main.ts', import.meta.url));
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
  await import(pathToFileURL(source).href);
} else {
  await import(new URL('../dist/presentation/cli/main.js', import.meta.url).href);
}
