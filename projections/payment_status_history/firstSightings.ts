/**
 * Which stripe event ids a bulk rebuild has already given a history row, in a few bytes per id rather
 * than a Set of strings (1M ids: 8 MiB instead of ~70 MiB). It remembers 32-bit hashes, so it can only
 * answer "certainly new" or "maybe seen": the rows of the second kind (repeats, and the few ids whose
 * hash collides) are held back and inserted at the end with ON CONFLICT DO NOTHING, in order, which
 * keeps the first row of each id as apply's insertNewRows does.
 */
export class FirstSightings {
  private slots = new Int32Array(1 << 16);
  private size = 0;

  /** `hashOf`: any 32-bit hash (tests collide on purpose). */
  constructor(private readonly hashOf: (id: string) => number = fnv1a) {}

  /** True when `id` is certainly seen for the first time (and remembers it); false when maybe not. */
  firstTime(id: string): boolean {
    const hash = this.hashOf(id) | 0 || 1;
    if (this.lookup(hash)) return false;
    if ((this.size + 1) * 2 > this.slots.length) this.grow();
    this.insert(hash);
    this.size += 1;
    return true;
  }

  private lookup(hash: number): boolean {
    const mask = this.slots.length - 1;
    for (let i = hash & mask; this.slots[i] !== 0; i = (i + 1) & mask) {
      if (this.slots[i] === hash) return true;
    }
    return false;
  }

  private insert(hash: number) {
    const mask = this.slots.length - 1;
    let i = hash & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = hash;
  }

  private grow() {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (const hash of old) if (hash !== 0) this.insert(hash);
  }
}

/** FNV-1a over the UTF-16 code units, finished by a multiply-xorshift mix (0 is taken as 1: it marks a
 * free slot). */
const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  return hash ^ (hash >>> 13);
};
