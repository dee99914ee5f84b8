/**
 * YOLO / Ultralytics layout: `images/[split/]name.ext`, `labels/[split/]name.txt` with one
 * `class cx cy w h` line per box (normalised to 0..1), and `data.yaml` naming the classes in order.
 * `data.yaml` has no `path`, so Ultralytics resolves the folders next to the file.
 */
import { stringify } from 'yaml';
import type { Dataset, DatasetImage, SplitName } from './dataset.js';

/** Six decimals keep a round trip within 0.002 px on a 2048-pixel field. */
const DECIMALS = 6;

const fmt = (v: number): string => {
  const s = v.toFixed(DECIMALS);
  // Trim trailing zeros for compact files without losing precision.
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
};

/** The label file that belongs to an image path under `images/` (Ultralytics' rule). */
export function yoloLabelPathFor(imageFile: string): string {
  const parts = imageFile.split('/');
  const i = parts.lastIndexOf('images');
  if (i >= 0) parts[i] = 'labels';
  else parts.unshift('labels');
  const name = parts[parts.length - 1];
  const dot = name.lastIndexOf('.');
  parts[parts.length - 1] = `${dot > 0 ? name.slice(0, dot) : name}.txt`;
  return parts.join('/');
}

/**
 * The text of one YOLO label file. Labels not in `classNames` are an error for the caller to report
 * before calling (YOLO has no way to carry an unnamed class).
 *
 * @example
 * formatYoloLabels({ file: 'images/a.jpg', width: 100, height: 50, annotations: [{ box: [10, 10, 30, 20], label: 'rbc' }] }, ['rbc']);
 * // '0 0.2 0.3 0.2 0.2\n'
 */
export function formatYoloLabels(image: DatasetImage, classNames: readonly string[]): string {
  const index = new Map(classNames.map((n, i) => [n, i]));
  let out = '';
  for (const a of image.annotations) {
    const cls = index.get(a.label);
    if (cls === undefined) throw new RangeError(`label ${a.label} is not in the class list`);
    const [x1, y1, x2, y2] = a.box;
    const cx = (x1 + x2) / 2 / image.width;
    const cy = (y1 + y2) / 2 / image.height;
    const w = (x2 - x1) / image.width;
    const h = (y2 - y1) / image.height;
    out += `${cls} ${fmt(cx)} ${fmt(cy)} ${fmt(w)} ${fmt(h)}\n`;
  }
  return out;
}

/** The `data.yaml` text for a dataset whose images lie under `images/` (flat or per split). */
export function formatDataYaml(dataset: Dataset): string {
  const splits = new Set<SplitName>();
  for (const img of dataset.images) if (img.split) splits.add(img.split);
  const doc: Record<string, unknown> = {};
  if (splits.size === 0) {
    doc.train = 'images';
    doc.val = 'images';
  } else {
    doc.train = 'images/train';
    doc.val = splits.has('val') ? 'images/val' : 'images/train';
    if (splits.has('test')) doc.test = 'images/test';
  }
  doc.nc = dataset.labels.length;
  doc.names = new Map(dataset.labels.map((n, i) => [i, n]));
  return `# gramscope dataset (Ultralytics layout); class order is gramscope's TAXONOMY order\n${stringify(doc)}`;
}
