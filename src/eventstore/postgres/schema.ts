/** Names shared by the PostgreSQL adapter's statements. */
export const APPEND_CHANNEL = 'eventstore_append';
