/** Drop, pick or paste micrographs. Type checks here are only a courtesy; the server decides. */
import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { useI18n } from '../../i18n/i18n';

export interface PickedFile {
  blob: Blob;
  name: string;
}

const IMAGE_EXT = /\.(jpe?g|png|tiff?|webp)$/i;

function isImageLike(f: File): boolean {
  // Some systems report TIFF with an empty type; let the extension vouch for it.
  return f.type.startsWith('image/') || (f.type === '' && IMAGE_EXT.test(f.name));
}

export function DropZone({
  onFiles,
  compact,
}: {
  onFiles: (files: PickedFile[], rejected: string[]) => void;
  compact: boolean;
}) {
  const { t } = useI18n();
  const inputId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);

  const take = (list: FileList | File[]) => {
    const files = [...list];
    const ok = files.filter(isImageLike);
    const rejected = files.filter((f) => !isImageLike(f)).map((f) => f.name);
    onFiles(
      ok.map((f) => ({ blob: f, name: f.name || 'pasted.png' })),
      rejected,
    );
  };

  // Paste anywhere on the page (Ctrl+V of a screenshot or a copied image).
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const files = e.clipboardData ? [...e.clipboardData.files] : [];
      if (files.length === 0) return;
      e.preventDefault();
      take(files.map((f, i) => (f.name ? f : new File([f], `pasted-${i + 1}.png`, { type: f.type }))));
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  });

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (e.dataTransfer.files.length) take(e.dataTransfer.files);
  };

  return (
    <div
      className={`dropzone${over ? ' over' : ''}${compact ? ' compact' : ''}`}
      data-testid="dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p>
        {over ? (
          t('analyze.dropActive')
        ) : (
          <>
            {t('analyze.drop')}{' '}
            <button type="button" className="link-button" onClick={() => inputRef.current?.click()}>
              {t('analyze.pick')}
            </button>
          </>
        )}
      </p>
      <p className="help">{t('analyze.accepted')}</p>
      <input
        ref={inputRef}
        id={inputId}
        type="file"
        multiple
        accept="image/jpeg,image/png,image/tiff,image/webp,.jpg,.jpeg,.png,.tif,.tiff,.webp"
        className="visually-hidden"
        aria-label={t('analyze.pick')}
        data-testid="file-input"
        onChange={(e) => {
          if (e.target.files) take(e.target.files);
          e.target.value = '';
        }}
      />
    </div>
  );
}
