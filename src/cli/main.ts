#!/usr/bin/env node
/**
 * The `stripe-ledger` command (program.ts). Light on purpose: `projections rebuild` runs again in a
 * child process with its heap capped (heapCap.ts) before anything else is loaded, so the parent, which
 * only passes signals on and waits, stays small.
 */
import { REBUILD_HEAP_MIB, rerunWithHeapCap } from './heapCap.js';

const [command, subcommand] = process.argv.slice(2);
const capped =
  command === 'projections' && subcommand === 'rebuild' ? rerunWithHeapCap(REBUILD_HEAP_MIB) : null;
if (capped === null) await import('./program.js');
else process.exitCode = await capped;
