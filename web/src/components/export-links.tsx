/** Downloads of a field's or a specimen's report (PDF, FHIR R4, CSV, annotated image), where offered. */
import { apiUrl } from '../api/client';
import { useServer } from '../app/server-context';
import { useI18n } from '../i18n/i18n';

const FORMATS = [
  { suffix: 'report.pdf', key: 'pdf' },
  { suffix: 'report.fhir.json', key: 'fhir' },
  { suffix: 'report.csv', key: 'csv' },
  { suffix: 'image.png', key: 'png' },
] as const;

export function ExportLinks({ kind, id }: { kind: 'analyses' | 'specimens'; id: string }) {
  const { t } = useI18n();
  const { capabilities } = useServer();
  const offered = FORMATS.filter((f) => capabilities?.has('get', `/${kind}/{id}/${f.suffix}`));
  if (offered.length === 0) return null;
  return (
    <section className="panel" aria-labelledby={`export-${kind}-h`}>
      <h3 id={`export-${kind}-h`}>{t('exports.title')}</h3>
      <ul className="export-links" data-testid="exports">
        {offered.map((f) => (
          <li key={f.key}>
            <a href={apiUrl(`/api/v1/${kind}/${encodeURIComponent(id)}/${f.suffix}`)} download>
              {t(`exports.${f.key}`)}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
