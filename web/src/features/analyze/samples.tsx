/**
 * Sample fields made by `gramscope synth`, copied into the web build with a manifest
 * (web/vite.config.ts), so a newcomer can try the app at once without a micrograph of their own.
 */
import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import type { PickedFile } from './drop-zone';

export interface SampleEntry {
  name: string;
  file: string;
  thumbnail?: string;
  description?: string;
}

async function loadManifest(signal: AbortSignal): Promise<SampleEntry[]> {
  const res = await fetch('samples/index.json', { signal });
  if (!res.ok) return [];
  const body = (await res.json()) as { samples?: SampleEntry[] };
  return body.samples ?? [];
}

export function Samples({ onPick }: { onPick: (f: PickedFile) => void }) {
  const { t } = useI18n();
  const [samples, setSamples] = useState<SampleEntry[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    loadManifest(ctl.signal).then(setSamples, () => setSamples([]));
    return () => ctl.abort();
  }, []);
  if (samples.length === 0) return null;

  const pick = async (s: SampleEntry) => {
    setBusy(s.name);
    try {
      const res = await fetch(`samples/${s.file}`);
      if (res.ok) onPick({ blob: await res.blob(), name: s.file });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="samples" aria-labelledby="samples-h">
      <h3 id="samples-h">{t('analyze.samplesTitle')}</h3>
      <p className="help">{t('analyze.samplesIntro')}</p>
      <ul className="sample-list">
        {samples.map((s) => (
          <li key={s.file}>
            <button
              type="button"
              className="sample"
              disabled={busy !== null}
              onClick={() => void pick(s)}
              aria-label={t('analyze.sampleButton', { name: s.name })}
              data-testid="sample"
            >
              {s.thumbnail && <img src={`samples/${s.thumbnail}`} alt="" width={64} height={48} loading="lazy" />}
              <span>{s.name}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
