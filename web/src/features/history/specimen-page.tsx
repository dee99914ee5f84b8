/** One specimen from the server: its fields, pooled summary, sign-off and report downloads. */
import { Disclaimer } from '../../components/disclaimer';
import { Unavailable } from '../../components/unavailable';
import { useServer } from '../../app/server-context';
import { useI18n } from '../../i18n/i18n';
import { ServerPooled } from '../analyze/specimen-summary';

export default function SpecimenPage({ params }: { params: Record<string, string> }) {
  const { t } = useI18n();
  const { capabilities } = useServer();
  const id = params.id ?? '';
  if (capabilities?.known && !capabilities.has('get', '/specimens/{id}'))
    return (
      <div className="page">
        <Unavailable feature={t('specimen.title', { id })} />
      </div>
    );
  return (
    <article className="page specimen-summary" data-testid="specimen-page">
      <h2>{t('specimen.title', { id })}</h2>
      <Disclaimer />
      <ServerPooled specimen={id} fields={[]} showFields />
    </article>
  );
}
