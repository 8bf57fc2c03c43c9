import { Command } from 'commander';
import { printJson, printTable } from './output.js';
import type { Runtime } from '../runtime/openRuntime.js';
import { paymentStory } from '../eventstore/paymentStory.js';
import { withRuntime } from './withRuntime.js';

/** The payment's events, one by one, with the status change each made. */
const paymentEvents = async (runtime: Runtime, paymentId: string) => {
  const events = await paymentStory(runtime.store, paymentId);
  const { rows: history } = await runtime.db.query<{
    stripe_event_id: string;
    from_status: string | null;
    to_status: string;
  }>(
    'SELECT stripe_event_id, from_status, to_status FROM ledger.payment_status_history WHERE payment_id = $1',
    [paymentId],
  );
  const changes = new Map(history.map((row) => [row.stripe_event_id, row]));
  return events.map((event) => {
    const change = changes.get(event.metadata.stripe_event_id);
    return {
      stream: event.stream,
      version: event.streamVersion,
      position: event.position,
      type: event.type,
      stripe_event_id: event.metadata.stripe_event_id,
      stripe_type: event.metadata.stripe_event_type,
      created: new Date(event.metadata.created * 1000).toISOString(),
      status_change: change ? `${change.from_status ?? '(new)'} -> ${change.to_status}` : null,
    };
  });
};

/** Where a charge's events belong when it is part of a payment intent: said on stderr, beside the output. */
const belongsTo = async ({ store }: Runtime, id: string): Promise<string | null> => {
  const owner = id.startsWith('pi_') ? null : await store.paymentOfCharge(id);
  return owner !== null && owner !== id ? owner : null;
};

/** `events show <payment id>`: the payment's events, event by event, with the status change each made. */
export const eventsCommand = (): Command => {
  const command = new Command('events').description('inspect the event log');
  command
    .command('show')
    .description("a payment's events (its stream and its charges' streams), event by event")
    .argument('<payment id>', 'payment intent id (pi_...) or legacy charge id')
    .option('--json', 'print JSON')
    .action(async (paymentId: string, options: { json?: boolean }) => {
      const { rows, owner } = await withRuntime(
        async (runtime) => ({
          rows: await paymentEvents(runtime, paymentId),
          owner: await belongsTo(runtime, paymentId),
        }),
        { doing: `reading the events of payment ${paymentId}` },
      );
      if (owner !== null) {
        console.error(
          `${paymentId} is a charge of payment ${owner}: events show ${owner} tells its whole story`,
        );
      }
      if (rows.length === 0) throw new Error(`no events for payment ${paymentId}`);
      if (options.json) return printJson(rows);
      const streams = new Set(rows.map((row) => row.stream));
      printTable(rows, [
        ...(streams.size > 1 ? (['stream'] as const) : []),
        'version',
        'position',
        'type',
        'stripe_event_id',
        'created',
        'status_change',
      ]);
    });
  return command;
};
