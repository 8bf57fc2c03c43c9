/**
 * An append no retry can ever store: its events are over the store's size limit (EventStoreDB refuses
 * appends over its MaxAppendSize, 1,048,576 bytes by default). Callers answer it as the client's
 * problem (the webhook answers 413 naming the limit) rather than as an outage to retry.
 */
export class EventTooLargeError extends Error {
  readonly code = 'event_too_large';

  constructor(
    readonly stream: string,
    /** The size the store counts, as far as the adapter can tell. */
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `the event is ${sizeBytes} bytes as stored, over the event store's limit of ${limitBytes} bytes per append (stream ${stream}); it can never be stored there`,
    );
    this.name = 'EventTooLargeError';
  }
}
