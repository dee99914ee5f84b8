/**
 * One colour per label, chosen to stand out on a pale, purple-and-pink Gram-stained field:
 * Gram-positive labels in blues, greens and violets, Gram-negative in oranges, yellows and reds,
 * yeast magenta, red cells pale grey (drawn over a dark outline like every box, so they stay visible).
 */
import type { LabelKey } from '../../../../src/domain/taxonomy.js';
import { isLabelKey } from '../../../../src/domain/taxonomy.js';

const COLORS: Readonly<Record<LabelKey, string>> = {
  enterobacterales: '#ff7f0e',
  p_aeruginosa: '#ffd400',
  enterococcus: '#00c8e0',
  cons: '#2fbf4f',
  bacillus: '#1de9b6',
  s_aureus: '#00e676',
  gbs: '#2979ff',
  streptococcus: '#40c4ff',
  haemophilus: '#ffab40',
  s_pneumoniae: '#7c4dff',
  s_pyogenes: '#304ffe',
  listeria: '#aeea00',
  pseudomonas: '#fff176',
  corynebacterium: '#00bfa5',
  gn_cocci: '#ff3d3d',
  candida: '#e040fb',
  rbc: '#cfd8dc',
};

export function labelColor(label: string): string {
  return isLabelKey(label) ? COLORS[label] : '#000000';
}

/** Black or white, whichever reads better on the given colour (WCAG relative luminance). */
export function textColorOn(hex: string): string {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  // Contrast with black is (l + 0.05) / 0.05, with white 1.05 / (l + 0.05); pick the larger.
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000000' : '#ffffff';
}
