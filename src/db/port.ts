/** The data-access port. Everything that talks SQL goes through it, so PostgreSQL (pg Pool) and the
 * embedded database can stand behind the same interface. Keep it narrow. */

export type Row = Record<string, unknown>;

export type QueryOptions = {
  /**
   * The text is one of a few fixed shapes run again and again (a projector batch, an append): the
   * database may keep it parsed and planned per connection (PostgreSQL: a named prepared statement),
   * which for these statements costs as much as running them. Never for text that embeds values.
   */
  prepared?: boolean;
};

/** For the statements every projector batch and every append runs: parsing and planning them cost
 * PostgreSQL a fifth of a live batch's time. */
export const PREPARED: QueryOptions = { prepared: true };

export interface Queryable {
  query<R extends Row = Row>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<{ rows: R[]; rowCount: number }>;
}

/** A connection held for the duration of a callback: used for COPY and session-level advisory locks. */
export type RawClient = Queryable & { raw: unknown };

export interface Db extends Queryable {
  /** Runs `work` in one transaction; rolls back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Calls `onNotify` for every NOTIFY on `channel` until the returned function is called. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** Holds one connection for `work`: session state (advisory locks, COPY) lives on it. */
  withConnection<T>(work: (client: RawClient) => Promise<T>): Promise<T>;
  /** Takes the named lease when nobody holds it; null when another session does. */
  tryLease(name: string): Promise<Lease | null>;
  /** Whether any session holds the named lease now (asked of the database, so held by any process). */
  leaseHeld(name: string): Promise<boolean>;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  readonly kind: 'postgres' | 'embedded';
  close(): Promise<void>;
}

/** An exclusive, cross-process lease (PostgreSQL: a session advisory lock on a dedicated connection). */
export type Lease = {
  /** Resolves when the lease is lost (its connection dropped); the holder must stop writing. */
  lost: Promise<void>;
  /** Asked of the database through another connection (`q`): whether the lease's own session still
   * holds it. Its connection may have frozen unnoticed: only the server knows. */
  stillHeld(q: Queryable): Promise<boolean>;
  release(): Promise<void>;
};
