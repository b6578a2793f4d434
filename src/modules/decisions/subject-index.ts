/**
 * An open-addressing hash of subject ids onto dense numbers 0..n-1, with the
 * ids themselves packed into one byte arena. A Map<string, number> costs about
 * a hundred bytes per subject in V8; this costs the id's bytes plus 13, so a
 * million subjects' index stays small (the decision benchmark measures it).
 * Ids are ASCII, at most 255 bytes: the API admits no others.
 */
export class SubjectIndex {
  private arena: Buffer;
  private used = 0;
  private offsets: Uint32Array;
  private lengths: Uint8Array;
  private slots: Int32Array;
  private mask: number;
  count = 0;

  constructor(initialCapacity = 1024) {
    const cap = Math.max(16, 2 ** Math.ceil(Math.log2(initialCapacity)));
    this.arena = Buffer.allocUnsafe(cap * 16);
    this.offsets = new Uint32Array(cap);
    this.lengths = new Uint8Array(cap);
    this.slots = new Int32Array(cap * 2).fill(-1);
    this.mask = cap * 2 - 1;
  }

  /** Room for this many subjects without growing. */
  get capacity(): number {
    return this.offsets.length;
  }

  static valid(id: string): boolean {
    if (id.length === 0 || id.length > 255) return false;
    for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 0x7e || id.charCodeAt(i) < 0x21) return false;
    return true;
  }

  private static hash(id: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    return h >>> 0;
  }

  private equals(n: number, id: string): boolean {
    const len = this.lengths[n] as number;
    if (len !== id.length) return false;
    const off = this.offsets[n] as number;
    const a = this.arena;
    for (let i = 0; i < len; i++) if (a[off + i] !== id.charCodeAt(i)) return false;
    return true;
  }

  /** The subject's number, or -1. */
  find(id: string): number {
    let slot = SubjectIndex.hash(id) & this.mask;
    for (;;) {
      const n = this.slots[slot] as number;
      if (n < 0) return -1;
      if (this.equals(n, id)) return n;
      slot = (slot + 1) & this.mask;
    }
  }

  /** The subject's number, adding it first when new; `onGrow(capacity)` lets the caller grow its columns. */
  add(id: string, onGrow: (capacity: number) => void): number {
    const found = this.find(id);
    if (found >= 0) return found;
    if (!SubjectIndex.valid(id)) throw new RangeError('subject ids are 1-255 printable ASCII characters');
    if (this.count === this.offsets.length) this.grow(onGrow);
    if (this.used + id.length > this.arena.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.used + id.length));
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    const n = this.count++;
    this.arena.write(id, this.used, 'latin1');
    this.offsets[n] = this.used;
    this.lengths[n] = id.length;
    this.used += id.length;
    this.place(n, id);
    return n;
  }

  idOf(n: number): string {
    const off = this.offsets[n] as number;
    return this.arena.toString('latin1', off, off + (this.lengths[n] as number));
  }

  private place(n: number, id: string): void {
    let slot = SubjectIndex.hash(id) & this.mask;
    while ((this.slots[slot] as number) >= 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = n;
  }

  private grow(onGrow: (capacity: number) => void): void {
    const cap = this.offsets.length * 2;
    const offsets = new Uint32Array(cap);
    offsets.set(this.offsets);
    const lengths = new Uint8Array(cap);
    lengths.set(this.lengths);
    this.offsets = offsets;
    this.lengths = lengths;
    this.slots = new Int32Array(cap * 2).fill(-1);
    this.mask = cap * 2 - 1;
    for (let n = 0; n < this.count; n++) this.place(n, this.idOf(n));
    onGrow(cap);
  }

  /** Bytes held, for the memory figure. */
  bytes(): number {
    return this.arena.length + this.offsets.byteLength + this.lengths.byteLength + this.slots.byteLength;
  }
}
