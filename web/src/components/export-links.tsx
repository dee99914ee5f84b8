/**
 * Downloads of a field's or a specimen's report (PDF, FHIR R4 and JP Core, CSV of fields and of
 * detections, JSON, annotated image), where the server offers them, and the stored original image
 * of a field while it is kept.
 */
import { apiUrl } from '../api/client';
import { useServer } from '../app/server-context';
import { useI18n } from '../i18n/i18n';

const FORMATS = [
  { suffix: 'report.pdf', key: 'pdf' },
  { suffix: 'report.fhir.json', key: 'fhir' },
  { suffix: 'report.fhir.json', key: 'fhirJp', query: '?profile=jp-core' },
  { suffix: 'report.csv', key: 'csv' },
  { suffix: 'report.csv', key: 'csvDetections', query: '?kind=detections' },
  { suffix: 'report.json', key: 'json' },
  { suffix: 'image.png', key: 'png' },
  { suffix: 'original.png', key: 'original' },
] as const;

export function ExportLinks({
  kind,
  id,
  original = false,
}: {
  kind: 'analyses' | 'specimens';
  id: string;
  /** The field's original image is still kept (storedImage.status 'retained'). */
  original?: boolean;
}) {
  const { t } = useI18n();
  const { capabilities } = useServer();
  const offered = FORMATS.filter(
    (f) => (f.key !== 'original' || original) && capabilities?.has('get', `/${kind}/{id}/${f.suffix}`),
  );
  if (offered.length === 0) return null;
  return (
    <section className="panel" aria-labelledby={`export-${kind}-h`}>
      <h3 id={`export-${kind}-h`}>{t('exports.title')}</h3>
      <ul className="export-links" data-testid="exports">
        {offered.map((f) => (
          <li key={f.key}>
            <a
              href={`${apiUrl(`/api/v1/${kind}/${encodeURIComponent(id)}/${f.suffix}`)}${'query' in f ? f.query : ''}`}
              download
            >
              {t(`exports.${f.key}`)}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
