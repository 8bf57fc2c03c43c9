import type { Db } from '../../db/port.js';
import type { EventStore } from '../port.js';
import { appendAtOnce, appendInTransaction } from './append.js';
import { headPosition, paymentOfCharge, paymentsOfCharges, readAll, readStream } from './read.js';
import { APPEND_CHANNEL } from './schema.js';

export const postgresEventStore = (db: Db): EventStore => {
  // The embedded database runs one statement at a time anyway; there the locked way costs nothing more.
  const appendMany: EventStore['appendMany'] = (requests) =>
    db.kind === 'embedded'
      ? db.transaction((tx) => appendInTransaction(tx, requests))
      : appendAtOnce(db, requests);
  return {
    positionsAreDense: true,
    appendMany,
    append: async (stream, events, expectedVersion) => {
      const [result] = await appendMany([{ stream, events, expectedVersion }]);
      return result!;
    },
    readStream: (stream) => readStream(db, stream),
    within: (connection) => ({ readStream: (stream) => readStream(connection, stream) }),
    readAll: (after, limit) => readAll(db, after, limit),
    headPosition: () => headPosition(db),
    onAppend: (callback) => db.listen(APPEND_CHANNEL, () => callback()),
    paymentOfCharge: (chargeId) => paymentOfCharge(db, chargeId),
    paymentsOfCharges: (chargeIds) => paymentsOfCharges(db, chargeIds),
    close: async () => undefined,
  };
};
