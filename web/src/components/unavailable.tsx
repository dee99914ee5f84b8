import { useI18n } from '../i18n/i18n';

/** The honest state for a feature whose API the server does not offer yet: no placeholder data. */
export function Unavailable({ feature, detail }: { feature: string; detail?: string }) {
  const { t } = useI18n();
  return (
    <section className="unavailable" role="status" data-testid="unavailable">
      <h3>{t('common.notAvailableTitle')}</h3>
      <p>{detail ?? t('common.notAvailable', { feature })}</p>
    </section>
  );
}
