/**
 * Subject ids onto dense numbers 0..n-1, the rows of the engine's columns.
 *
 * A Map, not a hash of our own over a byte arena: V8 hashes a string natively
 * and keeps the hash in the string, where a JavaScript loop over the id's
 * characters took most of a decision's time. The cost is memory, about 75
 * bytes per subject for a 36-character id (the id's own 48 and the Map's
 * entry), which keeps a million subjects well inside the index's limit (the
 * decision benchmark measures it). Ids are ASCII, at most 255 bytes: the API
 * admits no others.
 *
 * The id is kept as given: a caller holding one cut from a longer string (a
 * URL, a request body) passes a flat copy (`flatId`), or the whole string
 * would stay alive with it.
 */
export class SubjectIndex {
  private numbers = new Map<string, number>();
  private cap: number;

  constructor(initialCapacity = 1024) {
    this.cap = Math.max(16, 2 ** Math.ceil(Math.log2(initialCapacity)));
  }

  get count(): number {
    return this.numbers.size;
  }

  /** Room for this many subjects before the caller's columns must grow. */
  get capacity(): number {
    return this.cap;
  }

  static valid(id: string): boolean {
    if (id.length === 0 || id.length > 255) return false;
    for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 0x7e || id.charCodeAt(i) < 0x21) return false;
    return true;
  }

  /** The subject's number, or -1. */
  find(id: string): number {
    const n = this.numbers.get(id);
    return n === undefined ? -1 : n;
  }

  /** The subject's number, adding it first when new; `onGrow(capacity)` lets the caller grow its columns. */
  add(id: string, onGrow: (capacity: number) => void): number {
    const found = this.find(id);
    if (found >= 0) return found;
    if (!SubjectIndex.valid(id)) throw new RangeError('subject ids are 1-255 printable ASCII characters');
    if (this.count === this.cap) {
      this.cap *= 2;
      onGrow(this.cap);
    }
    const n = this.numbers.size;
    this.numbers.set(id, n);
    return n;
  }

  /** Bytes held, estimated (V8 does not say): each id's string and its Map entry. */
  bytes(): number {
    let chars = 0;
    for (const id of this.numbers.keys()) chars += id.length;
    return chars + this.count * 36;
  }
}

/** A flat copy of an id, sharing no storage with the string it was cut from (lossless for any well-formed string). */
export function flatId(id: string): string {
  return Buffer.from(id, 'utf8').toString('utf8');
}
