/**
 * The log a ledger would hold for a generated account (moneyHistory.ts): payout webhooks, every balance
 * transaction recorded as the sync records it (pending first when it was pending once, then available),
 * and the PayoutReconciled parts of every paid payout. Test-only.
 */
import { recordBalanceTransaction, reconcilePayout } from '../../src/domain/balanceTransactions.js';
import { newEventOf, streamFor, translate } from '../../src/domain/translate.js';
import type { NewEvent } from '../../src/domain/ledgerEvent.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import type { MoneyHistory } from './moneyHistory.js';

type Json = Record<string, unknown>;
export type Appendable = { stream: string; event: NewEvent };

const context = (at: number) => ({ account: null, livemode: false, recordedAt: new Date(at * 1000) });

const ok = (result: ReturnType<typeof recordBalanceTransaction>): Appendable => {
  if (result.kind !== 'ok') throw new Error(result.message);
  return { stream: result.stream, event: result.event };
};

const payoutWebhook = (type: string, payout: Json, created: number): Appendable => {
  const translated = translate({
    id: `evt_${type.replace(/\W/g, '_')}_${String(payout.id)}`,
    object: 'event',
    api_version: '2024-06-20',
    created,
    livemode: false,
    type,
    data: { object: payout },
  });
  if (translated.kind !== 'ok') throw new Error(translated.message);
  const t = translated.event;
  return {
    stream: streamFor(t.data.derived, null, t.stripe.id).stream,
    event: newEventOf(t, new Date(created * 1000)),
  };
};

export const moneyEventsOf = (history: MoneyHistory): Appendable[] => {
  const out: Appendable[] = [];
  const byId = new Map(history.transactions.map((bt) => [bt.id as string, bt]));
  for (const bt of history.transactions) {
    const created = bt.created as number;
    if (bt.status === 'available' && (bt.available_on as number) > created) {
      out.push(ok(recordBalanceTransaction({ ...bt, status: 'pending' }, null, context(created))));
    }
    out.push(ok(recordBalanceTransaction(bt, null, context(created))));
  }
  for (const payout of history.payouts) {
    const created = payout.created as number;
    out.push(payoutWebhook('payout.created', { ...payout, status: 'pending' }, created));
    out.push(payoutWebhook('payout.updated', { ...payout, status: 'in_transit' }, created + 3_600));
    if (payout.status === 'in_transit') continue;
    out.push(payoutWebhook('payout.paid', { ...payout, status: 'paid' }, created + 86_400));
    if (payout.status === 'failed') out.push(payoutWebhook('payout.failed', payout, created + 2 * 86_400));
    if (payout.status !== 'paid') continue;
    const listed = history.payoutTransactions.get(payout.id as string)!.map((id) => byId.get(id)!);
    // Listed as the API lists them: sources not expanded.
    const collapsed = listed.map((bt) => ({ ...bt, source: collapse(bt.source) }));
    const reconciled = reconcilePayout(payout, collapsed, context(created + 86_400));
    if (reconciled.kind !== 'ok') throw new Error(reconciled.message);
    out.push(...reconciled.parts);
  }
  return out;
};

const collapse = (source: unknown) =>
  typeof source === 'object' && source !== null ? (source as { id: string }).id : source;

/** As stored events, positions in the given order. */
export const asStored = (appendables: readonly Appendable[]): StoredEvent[] =>
  appendables.map(({ stream, event }, i) => ({
    ...event,
    stream,
    streamVersion: 0,
    position: i + 1,
    recordedAt: new Date(event.metadata.created * 1000),
  }));
