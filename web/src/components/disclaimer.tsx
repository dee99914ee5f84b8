import { useI18n } from '../i18n/i18n';

/** Shown with every result: the output is decision support and preliminary until a person reviews it. */
export function Disclaimer() {
  const { t } = useI18n();
  return (
    <p className="disclaimer" role="note" data-testid="disclaimer">
      <span aria-hidden="true">⚠ </span>
      {t('disclaimer')}
    </p>
  );
}
