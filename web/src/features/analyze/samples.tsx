/**
 * Sample fields made by `gramscope synth` and served by the server (GET /samples), so a newcomer can
 * try the app at once without a micrograph of their own. Names only, no thumbnails: six previews
 * would cost ~800 kB on the first screen, too much for a virtual desktop's modest bandwidth.
 */
import { useEffect, useState } from 'react';
import { request } from '../../api/client';
import { useI18n } from '../../i18n/i18n';
import type { PickedFile } from './drop-zone';

interface SampleEntry {
  name: string;
  url: string;
}

export function Samples({ onPick }: { onPick: (f: PickedFile) => void }) {
  const { t } = useI18n();
  const [samples, setSamples] = useState<SampleEntry[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    request<{ items?: SampleEntry[] }>('samples', { signal: ctl.signal }).then(
      (body) => setSamples(body.items ?? []),
      () => setSamples([]),
    );
    return () => ctl.abort();
  }, []);
  if (samples.length === 0) return null;

  const pick = async (s: SampleEntry) => {
    setBusy(s.name);
    try {
      const res = await fetch(s.url);
      if (res.ok) onPick({ blob: await res.blob(), name: s.name });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="samples" aria-labelledby="samples-h">
      <h3 id="samples-h">{t('analyze.samplesTitle')}</h3>
      <p className="help">{t('analyze.samplesIntro')}</p>
      <ul className="sample-list">
        {samples.map((s) => {
          const label = s.name.replace(/\.(png|jpe?g)$/i, '');
          return (
            <li key={s.name}>
              <button
                type="button"
                className="sample"
                disabled={busy !== null}
                onClick={() => void pick(s)}
                aria-label={t('analyze.sampleButton', { name: label })}
                data-testid="sample"
              >
                <span>{label}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
