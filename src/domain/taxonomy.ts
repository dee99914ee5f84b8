/**
 * The 17 labels of the reference detector, the morphotypes a microscopist reports, and their codes.
 * Source of truth: shared/design/TAXONOMY.md. Order of LABELS is the reference detector's class order.
 */

export type Gram = 'positive' | 'negative' | 'n/a';

export const MORPHOTYPE_KEYS = [
  'gpc_clusters',
  'gpc_chains',
  'gpc_pairs',
  'gpc',
  'gpr',
  'gnr',
  'gncb',
  'gnc',
  'yeast',
  'rbc',
] as const;
export type MorphotypeKey = (typeof MORPHOTYPE_KEYS)[number];

export interface Morphotype {
  readonly key: MorphotypeKey;
  readonly en: string;
  readonly ja: string;
  readonly gram: Gram;
  /** SNOMED CT concept reported for this finding (rbc has none). */
  readonly snomed: string | null;
  /** True for organisms; false for host material such as red cells. */
  readonly organism: boolean;
}

export const MORPHOTYPES: Readonly<Record<MorphotypeKey, Morphotype>> = {
  gpc_clusters: {
    key: 'gpc_clusters',
    en: 'Gram-positive cocci in clusters',
    ja: 'グラム陽性球菌（ブドウ状）',
    gram: 'positive',
    snomed: '70003006',
    organism: true,
  },
  gpc_chains: {
    key: 'gpc_chains',
    en: 'Gram-positive cocci in chains',
    ja: 'グラム陽性球菌（連鎖状）',
    gram: 'positive',
    snomed: '61609004',
    organism: true,
  },
  gpc_pairs: {
    key: 'gpc_pairs',
    en: 'Gram-positive cocci in pairs',
    ja: 'グラム陽性双球菌',
    gram: 'positive',
    snomed: '11471007',
    organism: true,
  },
  // Arrangement not assessed (e.g. a crop classifier sees single cells): still a Gram finding.
  gpc: {
    key: 'gpc',
    en: 'Gram-positive cocci',
    ja: 'グラム陽性球菌',
    gram: 'positive',
    snomed: '59206002',
    organism: true,
  },
  gpr: {
    key: 'gpr',
    en: 'Gram-positive rods',
    ja: 'グラム陽性桿菌',
    gram: 'positive',
    snomed: '83514008',
    organism: true,
  },
  gnr: {
    key: 'gnr',
    en: 'Gram-negative rods',
    ja: 'グラム陰性桿菌',
    gram: 'negative',
    snomed: '87172008',
    organism: true,
  },
  gncb: {
    key: 'gncb',
    en: 'Gram-negative coccobacilli',
    ja: 'グラム陰性球桿菌',
    gram: 'negative',
    snomed: '87172008',
    organism: true,
  },
  gnc: {
    key: 'gnc',
    en: 'Gram-negative cocci',
    ja: 'グラム陰性球菌',
    gram: 'negative',
    snomed: '18383003',
    organism: true,
  },
  yeast: {
    key: 'yeast',
    en: 'Yeast',
    ja: '酵母様真菌',
    gram: 'positive',
    snomed: '62093005',
    organism: true,
  },
  rbc: { key: 'rbc', en: 'Red blood cells', ja: '赤血球', gram: 'n/a', snomed: null, organism: false },
};

/** The finding reported when no organism is seen (SNOMED CT 27863008). */
export const NO_ORGANISMS = { en: 'No organisms seen', ja: '菌体を認めず', snomed: '27863008' } as const;

export const LABEL_KEYS = [
  'enterobacterales',
  'p_aeruginosa',
  'enterococcus',
  'cons',
  'bacillus',
  's_aureus',
  'gbs',
  'streptococcus',
  'haemophilus',
  's_pneumoniae',
  's_pyogenes',
  'listeria',
  'pseudomonas',
  'corynebacterium',
  'gn_cocci',
  'candida',
  'rbc',
] as const;
export type LabelKey = (typeof LABEL_KEYS)[number];

export interface Label {
  readonly key: LabelKey;
  /** Class index in the reference detector. */
  readonly index: number;
  readonly en: string;
  readonly ja: string;
  readonly gram: Gram;
  readonly morphotype: MorphotypeKey;
  /** Other names a model's class list may use for this label (matched case-insensitively). */
  readonly aliases: readonly string[];
  /**
   * SNOMED CT organism concept, given only for species-level labels whose concept is unambiguous;
   * genus and group labels stay null until a terminologist maps them for the site.
   */
  readonly snomed: string | null;
}

const label = (
  key: LabelKey,
  en: string,
  ja: string,
  gram: Gram,
  morphotype: MorphotypeKey,
  aliases: readonly string[],
  snomed: string | null,
): Label => ({ key, index: LABEL_KEYS.indexOf(key), en, ja, gram, morphotype, aliases, snomed });

export const LABELS: Readonly<Record<LabelKey, Label>> = {
  enterobacterales: label(
    'enterobacterales',
    'Enterobacteriaceae',
    '腸内細菌科',
    'negative',
    'gnr',
    ['enterobacteriaceae', 'enterobacterales', 'e_coli', 'e. coli', 'escherichia coli', 'klebsiella', 'gnr'],
    null,
  ),
  p_aeruginosa: label(
    'p_aeruginosa',
    'Pseudomonas aeruginosa',
    '緑膿菌',
    'negative',
    'gnr',
    ['pseudomonas aeruginosa', 'p. aeruginosa', 'paeruginosa'],
    '52499004',
  ),
  enterococcus: label(
    'enterococcus',
    'Enterococcus spp.',
    'エンテロコッカス属',
    'positive',
    'gpc_pairs',
    ['enterococcus', 'enterococcus spp', 'e. faecalis', 'e. faecium'],
    null,
  ),
  cons: label(
    'cons',
    'Coagulase-negative staphylococci',
    'コアグラーゼ陰性ブドウ球菌',
    'positive',
    'gpc_clusters',
    ['cns', 'coagulase-negative staphylococcus', 's. epidermidis', 'staphylococcus epidermidis'],
    null,
  ),
  bacillus: label(
    'bacillus',
    'Bacillus spp.',
    'バシラス属',
    'positive',
    'gpr',
    ['bacillus', 'bacillus spp'],
    null,
  ),
  s_aureus: label(
    's_aureus',
    'Staphylococcus aureus',
    '黄色ブドウ球菌',
    'positive',
    'gpc_clusters',
    ['staphylococcus aureus', 's. aureus', 'saureus', 'mssa', 'mrsa'],
    '3092008',
  ),
  gbs: label(
    'gbs',
    'Group B Streptococcus (S. agalactiae)',
    'B群β溶血性レンサ球菌',
    'positive',
    'gpc_chains',
    ['group b streptococcus', 'streptococcus agalactiae', 's. agalactiae', 'gbs'],
    '43492007',
  ),
  streptococcus: label(
    'streptococcus',
    'Streptococcus spp.',
    'レンサ球菌属',
    'positive',
    'gpc_chains',
    ['streptococcus', 'streptococcus spp', 'strep'],
    null,
  ),
  haemophilus: label(
    'haemophilus',
    'Haemophilus spp.',
    'ヘモフィルス属',
    'negative',
    'gncb',
    ['haemophilus', 'haemophilus influenzae', 'h. influenzae'],
    null,
  ),
  s_pneumoniae: label(
    's_pneumoniae',
    'Streptococcus pneumoniae',
    '肺炎レンサ球菌',
    'positive',
    'gpc_pairs',
    ['streptococcus pneumoniae', 's. pneumoniae', 'pneumococcus'],
    '9861002',
  ),
  s_pyogenes: label(
    's_pyogenes',
    'Streptococcus pyogenes',
    '化膿レンサ球菌',
    'positive',
    'gpc_chains',
    ['streptococcus pyogenes', 's. pyogenes', 'group a streptococcus', 'gas'],
    '80166006',
  ),
  listeria: label(
    'listeria',
    'Listeria',
    'リステリア',
    'positive',
    'gpr',
    ['listeria monocytogenes', 'l. monocytogenes'],
    null,
  ),
  pseudomonas: label(
    'pseudomonas',
    'Pseudomonas spp.',
    'シュードモナス属',
    'negative',
    'gnr',
    ['pseudomonas spp'],
    null,
  ),
  corynebacterium: label(
    'corynebacterium',
    'Corynebacterium',
    'コリネバクテリウム',
    'positive',
    'gpr',
    ['corynebacterium spp', 'coryneform'],
    null,
  ),
  gn_cocci: label(
    'gn_cocci',
    'Gram-negative cocci',
    'グラム陰性球菌',
    'negative',
    'gnc',
    ['gnc', 'neisseria', 'moraxella', 'gram-negative coccus'],
    null,
  ),
  candida: label(
    'candida',
    'Candida',
    'カンジダ',
    'positive',
    'yeast',
    ['candida spp', 'candida albicans', 'yeast'],
    null,
  ),
  rbc: label(
    'rbc',
    'Red blood cell',
    '赤血球',
    'n/a',
    'rbc',
    ['red blood cell', 'erythrocyte', 'red cell'],
    null,
  ),
};

export const LABEL_LIST: readonly Label[] = LABEL_KEYS.map((k) => LABELS[k]);

export function isLabelKey(value: string): value is LabelKey {
  return (LABEL_KEYS as readonly string[]).includes(value);
}

export function isMorphotypeKey(value: string): value is MorphotypeKey {
  return (MORPHOTYPE_KEYS as readonly string[]).includes(value);
}

const normalise = (s: string): string =>
  s
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[\s_\-.]+/g, ' ')
    .replace(/[()]/g, '')
    .trim();

const nameIndex: ReadonlyMap<string, LabelKey> = (() => {
  const index = new Map<string, LabelKey>();
  for (const l of LABEL_LIST) {
    for (const name of [l.key, l.en, l.ja, ...l.aliases]) index.set(normalise(name), l.key);
  }
  return index;
})();

/**
 * Maps a model's or dataset's class name onto a TAXONOMY label key by key, English or Japanese name,
 * or alias. Returns null when nothing matches, so callers keep and report the unmapped name.
 *
 * @example
 * mapLabelName('Staphylococcus aureus'); // 's_aureus'
 * mapLabelName('黄色ブドウ球菌'); // 's_aureus'
 * mapLabelName('spore'); // null
 */
export function mapLabelName(name: string): LabelKey | null {
  return nameIndex.get(normalise(name)) ?? null;
}
