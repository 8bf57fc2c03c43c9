/**
 * A set of ids in 8 bytes each (a Set of strings takes ~70 bytes per id): it remembers two 32-bit
 * hashes of each id, so `add` can only answer "certainly new" or "maybe seen", and `mightHave` "certainly
 * not" or "maybe". With 64 bits of hash a "maybe" for an id never added takes billions of ids; callers
 * stay correct either way (bulk rebuild: payment_status_history/projection.ts, shared/bulkSession.ts).
 */
export class IdHashSet {
  /** Pairs of hashes; [0, 0] marks a free slot (a first hash of 0 is taken as 1). */
  private slots = new Int32Array(2 << 14);
  private size = 0;

  /** `hashes`: two 32-bit hashes of an id (tests collide on purpose). */
  constructor(private readonly hashes: (id: string) => readonly [number, number] = fnv1aPair) {}

  /** Adds `id`; true when it was certainly not there, false when it may have been. */
  add(id: string): boolean {
    const [high, low] = this.hashOf(id);
    if (this.find(high, low)) return false;
    if ((this.size + 1) * 4 > this.slots.length) this.grow();
    this.put(high, low);
    this.size += 1;
    return true;
  }

  /** False when `id` was certainly never added. */
  mightHave(id: string): boolean {
    const [high, low] = this.hashOf(id);
    return this.find(high, low);
  }

  private hashOf(id: string): [number, number] {
    const [high, low] = this.hashes(id);
    return [high | 0 || 1, low | 0];
  }

  private find(high: number, low: number): boolean {
    const mask = this.slots.length / 2 - 1;
    for (let i = (high ^ low) & mask; this.slots[2 * i] !== 0; i = (i + 1) & mask) {
      if (this.slots[2 * i] === high && this.slots[2 * i + 1] === low) return true;
    }
    return false;
  }

  private put(high: number, low: number) {
    const mask = this.slots.length / 2 - 1;
    let i = (high ^ low) & mask;
    while (this.slots[2 * i] !== 0) i = (i + 1) & mask;
    this.slots[2 * i] = high;
    this.slots[2 * i + 1] = low;
  }

  private grow() {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.put(old[i]!, old[i + 1]!);
  }
}

/** FNV-1a over the UTF-16 code units from two offset bases, each finished by a multiply-xorshift mix. */
const fnv1aPair = (text: string): [number, number] => {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return [mix(a), mix(b ^ 0x9e3779b9)];
};

const mix = (hash: number): number => {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
};
