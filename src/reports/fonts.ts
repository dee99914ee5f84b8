/**
 * Finds a font with Japanese glyphs for PDF reports. Fonts come from Debian packages installed on the
 * machine (never downloaded): fonts-ipaexfont-gothic first, then fonts-noto-cjk.
 */
import { accessSync, constants } from 'node:fs';
import { AppError } from '../errors.js';

export interface ReportFont {
  path: string;
  /** The face to use inside a font collection (.ttc); undefined for a single-face file. */
  face: string | undefined;
}

/** Candidates in order of preference; the Noto collection needs its Japanese face named. */
export const FONT_CANDIDATES: readonly ReportFont[] = [
  { path: '/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf', face: undefined },
  { path: '/usr/share/fonts/truetype/fonts-japanese-gothic.ttf', face: undefined },
  { path: '/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf', face: undefined },
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', face: 'NotoSansCJKjp-Regular' },
  { path: '/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc', face: 'NotoSansCJKjp-Regular' },
];

const readable = (path: string): boolean => {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * Returns the configured font, or the first installed candidate; throws ERR_REPORT_FONT_MISSING
 * (naming what was tried) when there is none.
 *
 * @example
 * findJapaneseFont(''); // { path: '/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf', face: undefined }
 */
export function findJapaneseFont(configured: string, candidates = FONT_CANDIDATES): ReportFont {
  if (configured) {
    if (!readable(configured))
      throw new AppError('ERR_REPORT_FONT_MISSING', `GRAMSCOPE_REPORT_FONT names a file that cannot be read`);
    const [path, face] = configured.split('#') as [string, string | undefined];
    return { path, face };
  }
  const found = candidates.find((c) => readable(c.path));
  if (!found)
    throw new AppError(
      'ERR_REPORT_FONT_MISSING',
      `No Japanese font found (tried ${candidates.map((c) => c.path).join(', ')}); install fonts-ipaexfont-gothic or set GRAMSCOPE_REPORT_FONT`,
    );
  return found;
}
