// A stand-in for the projector thread's entry (src/projector/projectorWorker.ts) that starts, then dies:
// each start appends a line to `starts` in the configured LEDGER_DATA_DIR, and the thread throws soon
// after announcing itself, so the supervisor must start it again.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';

appendFileSync(join(workerData.config.dataDir, 'starts'), 'started\n');
parentPort.postMessage({ type: 'started' });
parentPort.on('message', (message) => {
  if (message.type === 'stop') {
    parentPort.postMessage({ type: 'stopped' });
    parentPort.close();
  }
});
setTimeout(() => {
  throw new Error('the stand-in thread failed');
}, 20);
