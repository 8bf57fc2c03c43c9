import type { StoredEvent } from '../../src/eventstore/port.js';
import type { RebuildableProjection } from '../bulk.js';
import type { Projection, ProjectionName, ProjectionTarget } from '../projection.js';

export type Statement = { sql: string; params: unknown[] };

/**
 * A projection whose batch is one statement computed from the events alone (no reads): the rows carry
 * their own join, so applying it live and in a rebuild is the same statement. Its rebuild fast path
 * queues that statement behind the other projections' loads, so a rebuild of every projection keeps
 * the fast path.
 */
export const statementProjection = (definition: {
  name: ProjectionName;
  tables: readonly string[];
  statementOf(events: readonly StoredEvent[], target: ProjectionTarget): Statement | null;
}): RebuildableProjection => {
  const apply: Projection['apply'] = async (tx, events, target) => {
    const statement = definition.statementOf(events, target);
    if (statement !== null) await tx.query(statement.sql, statement.params);
  };
  return {
    name: definition.name,
    tables: definition.tables,
    apply,
    bulk: {
      mirrors: apply,
      start: () => ({
        add: async (events, io) => {
          const statement = definition.statementOf(events, io.target);
          if (statement !== null) await io.run(statement.sql, statement.params);
        },
        write: async () => undefined,
      }),
    },
  };
};
