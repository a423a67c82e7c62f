#!/usr/bin/env node
// Runs the compiled CLI in dist/ (built by `npm ci` / `npm install` through the `prepare` script, or
// by `npm run build`). LIFEBOAT_FROM_SOURCE=1 runs src/ through tsx instead (a dev dependency): the
// test suite sets it so that CLI tests exercise the sources they sit beside, never a stale build.
import { existsSync } from 'node:fs';

const fromSource = process.env.LIFEBOAT_FROM_SOURCE === '1';
const entry = new URL(fromSource ? '../src/cli/main.ts' : '../dist/cli/main.js', import.meta.url);
if (!fromSource && !existsSync(entry)) {
  process.stderr.write('lifeboat: dist/ is missing; build it with `npm run build` (npm ci does it too)\n');
  process.exit(2);
}
if (fromSource) (await import('tsx/esm/api')).register();
const { main } = await import(entry.href);
await main(process.argv);
