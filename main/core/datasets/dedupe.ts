/**
 * Duplicate detection. Exact duplicates share a content hash. Near
 * duplicates are found with MinHash signatures over word shingles and
 * locality-sensitive hashing (bands of rows), then confirmed by the
 * signatures' estimated Jaccard similarity; groups are connected components.
 */

const NUM_HASHES = 64;
const BANDS = 16;
const ROWS_PER_BAND = NUM_HASHES / BANDS;
const SHINGLE_WORDS = 3;
/** How many earlier members of an LSH bucket each record is compared with. */
const COMPARE_WINDOW = 4;

/** FNV-1a, 32-bit, over a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Seeded 32-bit mixers (a·x + b with an avalanche), one per MinHash row; fixed so signatures are reproducible. */
const MIX = Array.from({ length: NUM_HASHES }, (_, i) => {
  let s = (i + 1) * 0x9e3779b1;
  const next = () => {
    s = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) >>> 0;
    return s | 1;
  };
  return [next(), next()] as const;
});

function mix(x: number, a: number, b: number): number {
  let h = (Math.imul(x, a) + b) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x45d9f3b);
  h ^= h >>> 16;
  return h >>> 0;
}

export function shingles(text: string): Set<number> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const out = new Set<number>();
  if (words.length < SHINGLE_WORDS) {
    if (words.length) out.add(fnv1a(words.join(' ')));
    return out;
  }
  for (let i = 0; i + SHINGLE_WORDS <= words.length; i++) out.add(fnv1a(words.slice(i, i + SHINGLE_WORDS).join(' ')));
  return out;
}

export function minhash(set: Set<number>): Uint32Array {
  const sig = new Uint32Array(NUM_HASHES).fill(0xffffffff);
  for (const x of set) {
    for (let i = 0; i < NUM_HASHES; i++) {
      const [a, b] = MIX[i]!;
      const h = mix(x, a, b);
      if (h < sig[i]!) sig[i] = h;
    }
  }
  return sig;
}

export function estimatedJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < NUM_HASHES; i++) if (a[i] === b[i]) same++;
  return same / NUM_HASHES;
}

export interface DedupeItem {
  id: number;
  contentHash: string;
  text: string;
}

export interface FoundGroup {
  kind: 'exact' | 'near';
  similarity: number;
  ids: number[];
}

class UnionFind {
  private readonly parent = new Map<number, number>();
  find(x: number): number {
    let root = x;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    let node = x;
    while (node !== root) {
      const next = this.parent.get(node) ?? root;
      this.parent.set(node, root);
      node = next;
    }
    return root;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(Math.max(ra, rb), Math.min(ra, rb));
  }
}

/** How far a duplicate search has got, for a job's progress bar. */
export interface SearchProgress {
  /** Records whose signatures are computed so far. */
  done: number;
  total: number;
}

/** How many records a search handles between progress reports (and chances to cancel). */
const PROGRESS_EVERY = 2000;

/**
 * The duplicate search as steps: it yields its progress every few thousand
 * records and returns the groups, so a worker can report progress and notice
 * a cancel between steps instead of running one long synchronous loop.
 * Groups: exact groups first, then near groups at or above `threshold`.
 */
export function* searchDuplicates(items: DedupeItem[], threshold: number): Generator<SearchProgress, FoundGroup[]> {
  const groups: FoundGroup[] = [];
  const byHash = new Map<string, number[]>();
  for (const item of items) {
    const list = byHash.get(item.contentHash);
    if (list) list.push(item.id);
    else byHash.set(item.contentHash, [item.id]);
  }
  // One representative per exact group takes part in near-duplicate search.
  const representatives: DedupeItem[] = [];
  for (const item of items) {
    const ids = byHash.get(item.contentHash)!;
    if (ids[0] === item.id) representatives.push(item);
  }
  for (const ids of byHash.values()) if (ids.length > 1) groups.push({ kind: 'exact', similarity: 1, ids });

  const signatures = new Map<number, Uint32Array>();
  const buckets = new Map<string, number[]>();
  for (let n = 0; n < representatives.length; n++) {
    if (n % PROGRESS_EVERY === 0) yield { done: n, total: representatives.length };
    const item = representatives[n]!;
    const sig = minhash(shingles(item.text));
    signatures.set(item.id, sig);
    for (let band = 0; band < BANDS; band++) {
      const key = `${band}:${Array.from(sig.subarray(band * ROWS_PER_BAND, (band + 1) * ROWS_PER_BAND)).join(',')}`;
      const bucket = buckets.get(key);
      if (bucket) bucket.push(item.id);
      else buckets.set(key, [item.id]);
    }
  }
  yield { done: representatives.length, total: representatives.length };
  // Each bucket member is compared with the few members before it, not with all of
  // them: templated data fills buckets with thousands of records, and all pairs
  // would be quadratic. Union-find makes the groups transitive anyway.
  const uf = new UnionFind();
  const pairSimilarity = new Map<number, number>();
  for (const bucket of buckets.values()) {
    for (let i = 1; i < bucket.length; i++) {
      for (let j = Math.max(0, i - COMPARE_WINDOW); j < i; j++) {
        const a = bucket[j]!;
        const b = bucket[i]!;
        const sim = estimatedJaccard(signatures.get(a)!, signatures.get(b)!);
        if (sim >= threshold) {
          uf.union(a, b);
          for (const id of [a, b]) pairSimilarity.set(id, Math.min(pairSimilarity.get(id) ?? 1, sim));
        }
      }
    }
  }
  const components = new Map<number, number[]>();
  for (const item of representatives) {
    if (!pairSimilarity.has(item.id)) continue;
    const root = uf.find(item.id);
    const list = components.get(root);
    if (list) list.push(item.id);
    else components.set(root, [item.id]);
  }
  for (const ids of components.values()) {
    if (ids.length < 2) continue;
    groups.push({ kind: 'near', similarity: Math.min(...ids.map((id) => pairSimilarity.get(id) ?? 1)), ids: ids.sort((x, y) => x - y) });
  }
  return groups;
}

/** The whole search at once (tests, small sets); jobs step through `searchDuplicates` instead. */
export function findDuplicates(items: DedupeItem[], threshold: number): FoundGroup[] {
  const search = searchDuplicates(items, threshold);
  for (;;) {
    const step = search.next();
    if (step.done) return step.value;
  }
}
