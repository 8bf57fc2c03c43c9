import { Command } from 'commander';
import { printJson, printTable } from './output.js';
import type { Runtime } from '../runtime/openRuntime.js';
import { withRuntime } from './withRuntime.js';

/** The payment's stream, event by event, with the status change each made. */
const paymentEvents = async ({ db, store }: Runtime, paymentId: string) => {
  const events = await store.readStream(`payment-${paymentId}`);
  const { rows: history } = await db.query<{
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

/** `events show <payment id>`: the payment's stream, event by event, with the status change each made. */
export const eventsCommand = (): Command => {
  const command = new Command('events').description('inspect the event log');
  command
    .command('show')
    .description("a payment's stream, event by event")
    .argument('<payment id>', 'payment intent id (pi_...) or legacy charge id')
    .option('--json', 'print JSON')
    .action(async (paymentId: string, options: { json?: boolean }) => {
      const rows = await withRuntime((runtime) => paymentEvents(runtime, paymentId), {
        doing: `reading the events of payment ${paymentId}`,
      });
      if (rows.length === 0) throw new Error(`no events for payment ${paymentId}`);
      if (options.json) return printJson(rows);
      printTable(rows, ['version', 'position', 'type', 'stripe_event_id', 'created', 'status_change']);
    });
  return command;
};
