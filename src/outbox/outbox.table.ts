export type OutboxStatus = 'pending' | 'done' | 'dead';

/**
 * Each lane is claimed and delivered apart, so what is slow in one cannot hold
 * up another: `main` for what a customer waits for (codes, security notices,
 * mail), `subscribers` for endpoints others run (consent webhooks, apps'
 * back-channel logout), `bulk` for mailings to every customer.
 */
export const OUTBOX_LANES = ['main', 'subscribers', 'bulk'] as const;
export type OutboxLane = (typeof OUTBOX_LANES)[number];

export interface OutboxTable {
  id: string;
  topic: string;
  lane: OutboxLane;
  /** JSON payload sealed with AES-256-GCM under the `outbox-payload-key` secret (outbox.seal.ts); `cleared` once delivered. */
  payload: string;
  /** A producer-chosen key; a second message with the same key is not enqueued. */
  idempotency_key: string | null;
  status: OutboxStatus;
  /** Delivery attempts begun: counted at claim, so a worker that dies mid-delivery uses one up. */
  attempts: number;
  available_at: number;
  /** A worker's claim: until this time no other worker takes the message. */
  locked_until: number | null;
  locked_by: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

/** Receivers record what they processed, so a redelivery has no second effect. */
export interface OutboxProcessedTable {
  handler: string;
  idempotency_key: string;
  processed_at: number;
}

export interface OutboxTables {
  outbox: OutboxTable;
  outbox_processed: OutboxProcessedTable;
}
