/**
 * Arrangement from the spatial graph of cells. Cells whose outlines touch (centres within about one
 * cell length) are linked; the shape of each linked group tells clusters (branching), chains
 * (a path), pairs and palisades (rods side by side) apart. A field's cocci are then read as one
 * population, the way a microscopist reports "cocci in clusters" although some lie singly or in pairs.
 */
import type { MorphotypeKey } from '../../domain/taxonomy.js';

export type Arrangement = 'single' | 'pair' | 'cluster' | 'chain' | 'palisade' | 'budding' | 'pseudohypha';

export interface PlacedCell {
  /** Centre in µm. */
  readonly x: number;
  readonly y: number;
  readonly lengthUm: number;
  readonly widthUm: number;
  /** Major-axis direction, radians. */
  readonly angle: number;
}

export interface GroupInfo {
  /** Group index per cell. */
  readonly groupOf: Int32Array;
  /** Members per group. */
  readonly groups: number[][];
  /** Neighbours per cell. */
  readonly neighbours: number[][];
}

/**
 * Links cells that touch: centre distance within `reach` times their mean length (plus a small gap).
 *
 * @example
 * const { groups } = linkCells(cocci, 1.3);
 */
export function linkCells(cells: readonly PlacedCell[], reach: number, gapUm = 0.15): GroupInfo {
  const n = cells.length;
  const neighbours: number[][] = cells.map(() => []);
  let maxLen = 0;
  for (const c of cells) maxLen = Math.max(maxLen, c.lengthUm);
  const cellSize = Math.max(0.5, maxLen * reach + gapUm);
  const grid = new Map<string, number[]>();
  const key = (gx: number, gy: number): string => `${gx},${gy}`;
  cells.forEach((c, i) => {
    const k = key(Math.floor(c.x / cellSize), Math.floor(c.y / cellSize));
    const list = grid.get(k);
    if (list) list.push(i);
    else grid.set(k, [i]);
  });
  cells.forEach((c, i) => {
    const gx = Math.floor(c.x / cellSize);
    const gy = Math.floor(c.y / cellSize);
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        for (const j of grid.get(key(gx + dx, gy + dy)) ?? []) {
          if (j <= i) continue;
          const o = cells[j];
          const limit = ((c.lengthUm + o.lengthUm) / 2) * reach + gapUm;
          if (Math.hypot(c.x - o.x, c.y - o.y) <= limit) {
            neighbours[i].push(j);
            neighbours[j].push(i);
          }
        }
      }
    }
  });
  const groupOf = new Int32Array(n).fill(-1);
  const groups: number[][] = [];
  for (let i = 0; i < n; i++) {
    if (groupOf[i] >= 0) continue;
    const members = [i];
    groupOf[i] = groups.length;
    for (let k = 0; k < members.length; k++) {
      for (const j of neighbours[members[k]]) {
        if (groupOf[j] < 0) {
          groupOf[j] = groups.length;
          members.push(j);
        }
      }
    }
    groups.push(members);
  }
  return { groupOf, groups, neighbours };
}

/** A group of cocci read by its graph: a path is a chain, anything branching is a cluster. */
export function classifyCocciGroup(members: readonly number[], neighbours: readonly number[][]): Arrangement {
  if (members.length === 1) return 'single';
  if (members.length === 2) return 'pair';
  let branching = 0;
  let edges = 0;
  for (const m of members) {
    const degree = neighbours[m].length;
    edges += degree;
    if (degree >= 3) branching++;
  }
  edges /= 2;
  // A chain is a path: n-1 links, nobody with three neighbours (one kink allowed in long chains).
  const allowed = members.length >= 6 ? 1 : 0;
  if (branching <= allowed && edges <= members.length) return 'chain';
  return 'cluster';
}

export interface CocciReading {
  readonly morphotype: Extract<MorphotypeKey, 'gpc_clusters' | 'gpc_chains' | 'gpc_pairs'>;
  /** Cells in groups of each kind, the evidence behind the reading. */
  readonly evidence: {
    readonly clusters: number;
    readonly chains: number;
    readonly pairs: number;
    readonly singles: number;
  };
  readonly lancetPairs: number;
  readonly meanGroupSize: number;
  /**
   * A second coccal organism in the field (clusters beside pairs or long chains), or null: its groups
   * are then read by their own shape (`morphotypeOfGroup`).
   */
  readonly second: Extract<MorphotypeKey, 'gpc_chains' | 'gpc_pairs'> | null;
}

/**
 * Reads a field's Gram-positive cocci as one population: clusters when branching aggregates hold a
 * fair share of the cells, chains when long paths do, pairs otherwise.
 *
 * @example
 * readCocciField(cells, links).morphotype; // 'gpc_clusters'
 */
export function readCocciField(cells: readonly PlacedCell[], links: GroupInfo): CocciReading {
  let clusters = 0;
  let chains = 0;
  let longChains = 0;
  let pairs = 0;
  let singles = 0;
  let lancetPairs = 0;
  let grouped = 0;
  let groupedCount = 0;
  for (const members of links.groups) {
    const kind = classifyCocciGroup(members, links.neighbours);
    if (members.length >= 2) {
      grouped += members.length;
      groupedCount++;
    }
    switch (kind) {
      case 'single':
        singles++;
        break;
      case 'pair': {
        pairs += 2;
        const [a, b] = members.map((m) => cells[m]);
        if (isLancetPair(a, b)) lancetPairs++;
        break;
      }
      case 'chain':
        chains += members.length;
        if (members.length >= 5) longChains += members.length;
        break;
      case 'cluster':
        clusters += members.length;
        break;
      case 'palisade':
      case 'budding':
      case 'pseudohypha':
        break;
    }
  }
  const meanGroupSize = groupedCount ? grouped / groupedCount : 1;
  const total = clusters + chains + pairs + singles || 1;
  let morphotype: CocciReading['morphotype'];
  // Streptococci form chains of five and more; enterococci and pneumococci mostly pairs, with the
  // odd short chain of four (or two pairs that happen to touch).
  if (clusters >= 0.3 * total && clusters >= longChains) morphotype = 'gpc_clusters';
  else if (longChains >= 0.25 * total || meanGroupSize >= 3.5) morphotype = 'gpc_chains';
  else if (clusters > chains + pairs) morphotype = 'gpc_clusters';
  else morphotype = 'gpc_pairs';
  // Staphylococci divide in several planes and lie mostly in branching clusters (here ≥ 2/3 of their
  // cells), with few pairs (≤ ~10 %); enterococci, pneumococci and streptococci divide in one plane
  // and never branch (clusters ≤ ~1/5 of their cells, where cells merely touch). A field where
  // branching clusters hold between 30 % and 60 % of the cocci and pairs — or chains of five and
  // more — another quarter is neither: it holds two organisms, and each group is read by its shape.
  // Only with enough cocci to tell (≥ 100): in a sparse field a few groups decide the shares.
  let second: CocciReading['second'] = null;
  if (total >= 100 && clusters >= 0.3 * total && clusters < 0.6 * total) {
    if (pairs >= 0.25 * total) second = 'gpc_pairs';
    else if (longChains >= 0.25 * total) second = 'gpc_chains';
  }
  return { morphotype, evidence: { clusters, chains, pairs, singles }, lancetPairs, meanGroupSize, second };
}

/**
 * The morphotype of one group of Gram-positive cocci: the field's reading, or, in a field of two
 * coccal organisms, the group's own shape (clusters; pairs and short chains for a second organism of
 * pairs; chains of five and more for one of chains). Lone cells stay with the field's reading.
 *
 * @example
 * morphotypeOfGroup(reading, 'pair', 2); // 'gpc_pairs' in a field of clusters and pairs
 */
export function morphotypeOfGroup(
  reading: CocciReading,
  kind: Arrangement,
  size: number,
): CocciReading['morphotype'] {
  if (!reading.second) return reading.morphotype;
  if (kind === 'cluster') return 'gpc_clusters';
  if (reading.second === 'gpc_pairs' && (kind === 'pair' || kind === 'chain')) return 'gpc_pairs';
  if (reading.second === 'gpc_chains' && kind === 'chain' && size >= 5) return 'gpc_chains';
  return reading.morphotype;
}

/** Two elongated cocci lying end to end along the line joining them: pneumococcal lancets. */
export function isLancetPair(a: PlacedCell, b: PlacedCell): boolean {
  if (a.lengthUm / a.widthUm < 1.2 || b.lengthUm / b.widthUm < 1.2) return false;
  const axis = Math.atan2(b.y - a.y, b.x - a.x);
  const aligned = (angle: number): boolean => Math.abs(Math.cos(angle - axis)) > Math.cos(Math.PI / 6);
  return aligned(a.angle) && aligned(b.angle);
}

/**
 * Rods: side by side and parallel is a palisade link, end to end is a chain link.
 *
 * @example
 * arrangeRods(rods)[0]; // 'palisade'
 */
export function arrangeRods(rods: readonly PlacedCell[]): Arrangement[] {
  const links = linkCells(rods, 0.75, 0.3);
  const result: Arrangement[] = rods.map(() => 'single');
  for (const members of links.groups) {
    if (members.length === 1) continue;
    let side = 0;
    let end = 0;
    for (const i of members) {
      for (const j of links.neighbours[i]) {
        if (j < i) continue;
        const a = rods[i];
        const b = rods[j];
        const parallel = Math.abs(Math.cos(a.angle - b.angle)) > Math.cos(Math.PI / 7);
        const dx = b.x - a.x;
        const dy = b.y - a.y;
        const along = Math.abs(dx * Math.cos(a.angle) + dy * Math.sin(a.angle));
        const across = Math.abs(-dx * Math.sin(a.angle) + dy * Math.cos(a.angle));
        if (parallel && across > along) side++;
        else end++;
      }
    }
    const kind: Arrangement =
      side >= 2 || (side >= 1 && members.length >= 3)
        ? 'palisade'
        : members.length === 2
          ? 'pair'
          : end > 0
            ? 'chain'
            : 'single';
    for (const m of members) result[m] = kind;
  }
  return result;
}
