/**
 * A field with its boxes: zoom and pan (wheel, drag, buttons, keyboard), an SVG overlay in
 * original-image pixels, and — in review — selecting, moving, resizing, deleting and drawing boxes.
 *
 * Hand-written rather than a zoom/pan library: the overlay, the review gestures and the keyboard all
 * need the same image↔screen transform, and owning it keeps that one formula in one place (~30 lines).
 */
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type PointerEvent,
} from 'react';
import type { Box } from '../../../../src/domain/geometry.js';
import { formatScore, labelName, useI18n } from '../../i18n/i18n';
import { labelColor, textColorOn } from './label-colors';

export interface ViewerBox {
  /** Index in the result's detection list (stable across filtering). */
  index: number;
  box: Box;
  label: string;
  score: number;
}

export interface ViewerEditing {
  selected: number | null;
  adding: boolean;
  onSelect: (index: number | null) => void;
  /** Called once before a gesture or key changes boxes, so the editor can keep an undo step. */
  onBeginChange: () => void;
  onChange: (index: number, box: Box) => void;
  onAdd: (box: Box) => void;
  onDelete: (index: number) => void;
}

interface Props {
  width: number;
  height: number;
  imageUrl: string | null;
  boxes: readonly ViewerBox[];
  captions: boolean;
  editing?: ViewerEditing | undefined;
  onImageError?: () => void;
  /** Height of the viewport in CSS pixels (the width follows the container). */
  viewportHeight?: string;
}

type Drag =
  | { kind: 'pan'; x: number; y: number; tx: number; ty: number }
  | { kind: 'move'; index: number; start: [number, number]; box: Box }
  | { kind: 'resize'; index: number; corner: number; box: Box }
  | { kind: 'draw'; start: [number, number] };

const MAX_SCALE = 16;
const MIN_BOX = 3;

/** Approximate width of a 12 px caption: CJK characters are about twice as wide as Latin ones. */
function captionWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += ch.codePointAt(0)! >= 0x2e80 ? 12 : 7;
  return w;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function normaliseBox(a: [number, number], b: [number, number], w: number, h: number): Box {
  return [
    clamp(Math.min(a[0], b[0]), 0, w),
    clamp(Math.min(a[1], b[1]), 0, h),
    clamp(Math.max(a[0], b[0]), 0, w),
    clamp(Math.max(a[1], b[1]), 0, h),
  ];
}

export function FieldViewer({
  width,
  height,
  imageUrl,
  boxes,
  captions,
  editing,
  onImageError,
  viewportHeight = '100%',
}: Props) {
  const { t, lng } = useI18n();
  const viewportRef = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [view, setView] = useState({ s: 1, tx: 0, ty: 0 });
  const [userZoomed, setUserZoomed] = useState(false);
  const drag = useRef<Drag | null>(null);
  const [draft, setDraft] = useState<Box | null>(null);

  const fitScale = size.w && size.h ? Math.min(size.w / width, size.h / height) : 1;

  const fit = useCallback(() => {
    if (!size.w || !size.h) return;
    const s = Math.min(size.w / width, size.h / height);
    setView({ s, tx: (size.w - width * s) / 2, ty: (size.h - height * s) / 2 });
    setUserZoomed(false);
  }, [size.w, size.h, width, height]);

  useLayoutEffect(() => {
    const el = viewportRef.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => {
      if (entry) setSize({ w: entry.contentRect.width, h: entry.contentRect.height });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Keep the field fitted until the user zooms; re-fit when the field or the viewport changes.
  useEffect(() => {
    if (!userZoomed) fit();
  }, [fit, userZoomed]);
  useEffect(() => setUserZoomed(false), [width, height, imageUrl]);

  const zoomAt = useCallback(
    (factor: number, cx: number, cy: number) => {
      setView((v) => {
        const s = clamp(v.s * factor, fitScale * 0.5, Math.max(MAX_SCALE, fitScale));
        const k = s / v.s;
        return { s, tx: cx - (cx - v.tx) * k, ty: cy - (cy - v.ty) * k };
      });
      setUserZoomed(true);
    },
    [fitScale],
  );

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const el = viewportRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [zoomAt]);

  const toImage = (clientX: number, clientY: number): [number, number] => {
    const r = viewportRef.current!.getBoundingClientRect();
    return [(clientX - r.left - view.tx) / view.s, (clientY - r.top - view.ty) / view.s];
  };

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    const target = e.target as Element;
    const boxEl = target.closest<SVGGElement>('[data-index]');
    const handle = target.getAttribute('data-corner');
    const p = toImage(e.clientX, e.clientY);
    if (editing && handle !== null && editing.selected !== null) {
      const b = boxes.find((x) => x.index === editing.selected);
      if (b) {
        editing.onBeginChange();
        drag.current = { kind: 'resize', index: b.index, corner: Number(handle), box: b.box };
      }
    } else if (editing && boxEl && !editing.adding) {
      const index = Number(boxEl.dataset.index);
      const b = boxes.find((x) => x.index === index);
      editing.onSelect(index);
      if (b) {
        editing.onBeginChange();
        drag.current = { kind: 'move', index, start: p, box: b.box };
      }
    } else if (editing?.adding) {
      drag.current = { kind: 'draw', start: p };
      setDraft([p[0], p[1], p[0], p[1]]);
    } else {
      if (editing && !boxEl) editing.onSelect(null);
      drag.current = { kind: 'pan', x: e.clientX, y: e.clientY, tx: view.tx, ty: view.ty };
    }
    e.currentTarget.setPointerCapture(e.pointerId);
    e.currentTarget.focus({ preventScroll: true });
  };

  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d) return;
    if (d.kind === 'pan') {
      setView((v) => ({ ...v, tx: d.tx + e.clientX - d.x, ty: d.ty + e.clientY - d.y }));
      setUserZoomed(true);
      return;
    }
    const p = toImage(e.clientX, e.clientY);
    if (d.kind === 'draw') {
      setDraft(normaliseBox(d.start, p, width, height));
    } else if (d.kind === 'move' && editing) {
      const bw = d.box[2] - d.box[0];
      const bh = d.box[3] - d.box[1];
      const x1 = clamp(d.box[0] + p[0] - d.start[0], 0, width - bw);
      const y1 = clamp(d.box[1] + p[1] - d.start[1], 0, height - bh);
      editing.onChange(d.index, [x1, y1, x1 + bw, y1 + bh]);
    } else if (d.kind === 'resize' && editing) {
      // Corners: 0 top-left, 1 top-right, 2 bottom-right, 3 bottom-left; the opposite one stays put.
      const fixed: [number, number] = [
        d.corner === 0 || d.corner === 3 ? d.box[2] : d.box[0],
        d.corner === 0 || d.corner === 1 ? d.box[3] : d.box[1],
      ];
      editing.onChange(d.index, normaliseBox(fixed, p, width, height));
    }
  };

  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    drag.current = null;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    if (d?.kind === 'draw' && editing && draft) {
      setDraft(null);
      if (draft[2] - draft[0] >= MIN_BOX && draft[3] - draft[1] >= MIN_BOX) {
        editing.onBeginChange();
        editing.onAdd(draft);
      }
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const step = e.shiftKey ? 10 : 1;
    const arrows: Record<string, [number, number]> = {
      ArrowLeft: [-1, 0],
      ArrowRight: [1, 0],
      ArrowUp: [0, -1],
      ArrowDown: [0, 1],
    };
    const dir = arrows[e.key];
    const selected = editing?.selected ?? null;
    const sel = selected === null ? undefined : boxes.find((b) => b.index === selected);
    if (dir && editing && sel && e.altKey) {
      // Alt+arrows resize from the bottom-right corner: right/down grow, left/up shrink.
      e.preventDefault();
      const [x1, y1, x2, y2] = sel.box;
      editing.onBeginChange();
      editing.onChange(sel.index, [
        x1,
        y1,
        clamp(x2 + dir[0] * step, x1 + MIN_BOX, width),
        clamp(y2 + dir[1] * step, y1 + MIN_BOX, height),
      ]);
    } else if (e.key === 'Enter' && editing?.adding) {
      // Keyboard drawing: a box of 40 screen pixels at the centre of the view, then move/resize it.
      e.preventDefault();
      const side = Math.max(MIN_BOX, 40 / view.s);
      const cx = (size.w / 2 - view.tx) / view.s;
      const cy = (size.h / 2 - view.ty) / view.s;
      editing.onBeginChange();
      editing.onAdd(
        normaliseBox([cx - side / 2, cy - side / 2], [cx + side / 2, cy + side / 2], width, height),
      );
    } else if (dir && editing && sel) {
      e.preventDefault();
      const [x1, y1, x2, y2] = sel.box;
      const dx = clamp(dir[0] * step, -x1, width - x2);
      const dy = clamp(dir[1] * step, -y1, height - y2);
      editing.onBeginChange();
      editing.onChange(sel.index, [x1 + dx, y1 + dy, x2 + dx, y2 + dy]);
    } else if (dir) {
      e.preventDefault();
      setView((v) => ({ ...v, tx: v.tx - dir[0] * 40, ty: v.ty - dir[1] * 40 }));
      setUserZoomed(true);
    } else if (e.key === '+' || e.key === '=') {
      e.preventDefault();
      zoomAt(1.25, size.w / 2, size.h / 2);
    } else if (e.key === '-' || e.key === '_') {
      e.preventDefault();
      zoomAt(0.8, size.w / 2, size.h / 2);
    } else if (e.key === '0') {
      e.preventDefault();
      fit();
    } else if ((e.key === 'Delete' || e.key === 'Backspace') && editing && sel) {
      e.preventDefault();
      editing.onBeginChange();
      editing.onDelete(sel.index);
    } else if (e.key === 'Escape' && editing) {
      editing.onSelect(null);
    }
  };

  const px = 1 / view.s;
  const selected = editing?.selected ?? null;
  const cls = ['viewer', editing ? 'viewer-editing' : '', editing?.adding ? 'viewer-adding' : '']
    .filter(Boolean)
    .join(' ');

  return (
    <div className="viewer-wrap" style={{ height: viewportHeight }}>
      <div
        ref={viewportRef}
        className={cls}
        tabIndex={0}
        role="region"
        aria-label={t('viewer.label')}
        data-testid="field-viewer"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onKeyDown={onKeyDown}
      >
        <div
          className="viewer-stage"
          style={{
            width,
            height,
            transform: `translate(${view.tx}px, ${view.ty}px) scale(${view.s})`,
          }}
        >
          {imageUrl ? (
            <img
              src={imageUrl}
              width={width}
              height={height}
              alt=""
              draggable={false}
              onError={onImageError}
              data-testid="field-image"
            />
          ) : (
            <div className="viewer-blank" style={{ width, height }} />
          )}
          <svg
            className="overlay"
            width={width}
            height={height}
            viewBox={`0 0 ${width} ${height}`}
            data-testid="overlay"
            // Hundreds of boxes would drown a screen reader; the counts table and the review list
            // carry the same information accessibly.
            aria-hidden="true"
          >
            {boxes.map((b) => {
              const [x1, y1, x2, y2] = b.box;
              const color = labelColor(b.label);
              const isSel = b.index === selected;
              const name = labelName(b.label, lng);
              // Red cells are host material: captioning each would bury the organisms, so they get
              // a caption only when selected (their colour, the legend and the counts still say what they are).
              const showCaption = captions && (isSel || (b.label !== 'rbc' && (x2 - x1) * view.s >= 28));
              const caption = `${name} ${formatScore(b.score)}`;
              return (
                <g key={b.index} data-index={b.index} data-testid="box" data-label={b.label}>
                  <title>{t('result.boxTitle', { label: name, score: formatScore(b.score) })}</title>
                  <rect
                    x={x1}
                    y={y1}
                    width={x2 - x1}
                    height={y2 - y1}
                    fill={editing ? 'transparent' : 'none'}
                    stroke="rgba(0,0,0,0.7)"
                    strokeWidth={(isSel ? 5 : 3) * px}
                  />
                  <rect
                    x={x1}
                    y={y1}
                    width={x2 - x1}
                    height={y2 - y1}
                    fill="none"
                    stroke={isSel ? '#ffffff' : color}
                    strokeWidth={(isSel ? 2.5 : 1.5) * px}
                    strokeDasharray={isSel ? `${4 * px} ${3 * px}` : undefined}
                  />
                  {showCaption && (
                    // A plate in the label's colour with black or white text: readable on any field.
                    <g className="box-caption">
                      <rect
                        x={x1}
                        y={y1 - 16 * px}
                        width={(captionWidth(caption) + 8) * px}
                        height={15 * px}
                        fill={color}
                        stroke="rgba(0,0,0,0.6)"
                        strokeWidth={px}
                      />
                      <text x={x1 + 4 * px} y={y1 - 4.5 * px} fontSize={12 * px} fill={textColorOn(color)}>
                        {caption}
                      </text>
                    </g>
                  )}
                  {isSel &&
                    [
                      [x1, y1],
                      [x2, y1],
                      [x2, y2],
                      [x1, y2],
                    ].map(([hx, hy], corner) => (
                      <rect
                        key={corner}
                        data-corner={corner}
                        className="handle"
                        x={hx - 5 * px}
                        y={hy - 5 * px}
                        width={10 * px}
                        height={10 * px}
                        fill="#ffffff"
                        stroke="#000000"
                        strokeWidth={px}
                      />
                    ))}
                </g>
              );
            })}
            {draft && (
              <rect
                x={draft[0]}
                y={draft[1]}
                width={draft[2] - draft[0]}
                height={draft[3] - draft[1]}
                fill="rgba(255,255,255,0.15)"
                stroke="#ffffff"
                strokeWidth={2 * px}
                strokeDasharray={`${4 * px} ${3 * px}`}
              />
            )}
          </svg>
        </div>
      </div>
      <div
        className="viewer-controls"
        role="group"
        aria-label={t('viewer.zoom', { percent: Math.round(view.s * 100) })}
      >
        <button
          type="button"
          onClick={() => zoomAt(0.8, size.w / 2, size.h / 2)}
          aria-label={t('viewer.zoomOut')}
        >
          −
        </button>
        <output aria-live="off">{Math.round(view.s * 100)} %</output>
        <button
          type="button"
          onClick={() => zoomAt(1.25, size.w / 2, size.h / 2)}
          aria-label={t('viewer.zoomIn')}
        >
          +
        </button>
        <button type="button" onClick={fit}>
          {t('viewer.fit')}
        </button>
      </div>
    </div>
  );
}
