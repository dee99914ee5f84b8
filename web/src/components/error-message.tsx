import { ApiError, NETWORK_ERROR } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { en, type Messages } from '../i18n/en';

/** A server error in the user's language when we know its code, else the server's own message. */
export function useErrorText(): (err: unknown) => string {
  const { t } = useI18n();
  return (err: unknown) => {
    if (err instanceof ApiError) {
      if (err.code === NETWORK_ERROR) return t('common.networkError');
      if (isKnown(err.code)) return t(`errors.${err.code}`);
      return `${err.message} (${err.code})`;
    }
    return err instanceof Error ? err.message : String(err);
  };
}

const KNOWN: ReadonlySet<string> = new Set(Object.keys(en.errors));
function isKnown(code: string): code is keyof Messages['errors'] {
  return KNOWN.has(code);
}

export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const text = useErrorText()(error);
  return (
    <div className="error" role="alert">
      <strong>{t('common.errorTitle')}: </strong>
      {text}
      {onRetry && (
        <button type="button" className="link-button" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}
