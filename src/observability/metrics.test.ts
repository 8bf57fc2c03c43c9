import { Gauge } from 'prom-client';
import { waitFor } from '../../tests/support/waitFor.js';
import { createMetrics } from './metrics.js';

/** Metrics with one gauge that counts how often a scrape collects it. */
const countedMetrics = () => {
  const metrics = createMetrics();
  let collected = 0;
  new Gauge({
    name: 'test_collections',
    help: 'Times this gauge was collected',
    registers: [metrics.registry],
    collect() {
      collected += 1;
      this.set(collected);
    },
  });
  return { metrics, collected: () => collected };
};

describe('the /metrics text', () => {
  it('is rendered once for a hundred scrapes at once, and each gets the same text', async () => {
    const { metrics, collected } = countedMetrics();
    const texts = await Promise.all(Array.from({ length: 100 }, () => metrics.render()));
    expect(collected()).toBe(1);
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).toMatch(/^test_collections 1$/m);
  });

  it('is rendered afresh for a scrape more than a second after the last rendering', async () => {
    const { metrics, collected } = countedMetrics();
    await metrics.render();
    await waitFor(async () => /^test_collections 2$/m.test(await metrics.render()), {
      what: 'a fresh rendering',
      timeoutMs: 3_000,
      intervalMs: 100,
    });
    expect(collected()).toBe(2);
  });
});
