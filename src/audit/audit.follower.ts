/**
 * The in-memory right edge of the committed log, used to sign tree heads
 * without re-reading the log. It follows the database only: commit hooks feed
 * it, and before each use `catchUp` reads whatever it missed (entries appended
 * by another node, hooks that arrived out of order), or starts over when it is
 * ahead of the database (a restored backup). It is never trusted to number
 * entries; seq always comes from the database.
 */
import type { Db } from '../db/database.js';
import { auditLogSize, leafHashRange } from './audit.store.js';
import { MerkleFrontier } from './merkle.js';

const PAGE = 10_000;
/** Hooks held while waiting for an earlier seq; beyond this, catch-up reads them instead. */
const MAX_PENDING = 10_000;

export class LogFollower {
  readonly frontier = new MerkleFrontier();
  private pending = new Map<number, Buffer>();
  /** Highest committed size seen through hooks: drives the every-N-entries schedule. */
  seen = 0;

  /** A committed entry (from a commit hook or a read). */
  add(seq: number, leafHash: Buffer): void {
    this.seen = Math.max(this.seen, seq + 1);
    if (seq < this.frontier.size) return;
    if (seq > this.frontier.size) {
      if (this.pending.size < MAX_PENDING) this.pending.set(seq, leafHash);
      return;
    }
    this.frontier.push(leafHash);
    for (let next = this.pending.get(this.frontier.size); next; next = this.pending.get(this.frontier.size)) {
      this.pending.delete(this.frontier.size);
      this.frontier.push(next);
    }
  }

  /** Brings the frontier to at least `size` committed entries, reading what the hooks did not bring. */
  async catchUp(db: Db, size: number): Promise<void> {
    if (this.frontier.size > size) {
      // Hooks may have moved on since `size` was read; only a fresh read can say the database went back.
      const ahead = this.frontier.size;
      if (ahead > (await auditLogSize(db))) {
        this.frontier.reset();
        this.pending.clear();
      }
    }
    while (this.frontier.size < size) {
      const from = this.frontier.size;
      const rows = await leafHashRange(db, from, Math.min(size, from + PAGE));
      for (const r of rows) this.add(r.seq, r.leaf_hash);
      if (this.frontier.size === from) {
        throw new Error(`audit log has a gap at seq ${from}: run \`maxfiy audit verify\``);
      }
    }
    for (const seq of this.pending.keys()) if (seq < this.frontier.size) this.pending.delete(seq);
  }
}
