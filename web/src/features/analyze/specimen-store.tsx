/**
 * The specimen being analysed: its fields, each uploaded and analysed with its own progress, at most
 * UPLOAD_CONCURRENCY at a time. Lives above the routes so a specimen survives a visit to History.
 */
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { submitAnalysis, type AnalysisResult } from '../../api/analyses';

/** Two at once keeps the pipe full without queueing behind a busy server's own limit. */
const UPLOAD_CONCURRENCY = 2;

export type FieldStatus = 'queued' | 'uploading' | 'analysing' | 'done' | 'failed';

export interface FieldEntry {
  key: string;
  name: string;
  file: Blob;
  /** Object URL of the local file, for display without a round trip. */
  url: string;
  status: FieldStatus;
  /** Upload fraction 0..1. */
  progress: number;
  result?: AnalysisResult;
  error?: unknown;
}

export interface SpecimenOptions {
  engine: string;
  profile: string;
}

interface Store {
  specimen: string;
  setSpecimen: (id: string) => void;
  /** True once a field has been sent; the specimen ID is then fixed until a new specimen. */
  locked: boolean;
  fields: FieldEntry[];
  options: SpecimenOptions;
  setOptions: (o: SpecimenOptions) => void;
  /** Adds fields to the specimen and returns their keys. */
  addFiles: (files: readonly { blob: Blob; name: string }[]) => string[];
  retry: (key: string) => void;
  /** Replace a field's result after a review saved it. */
  setResult: (key: string, result: AnalysisResult) => void;
  remove: (key: string) => void;
  clear: () => void;
  selected: string | null;
  select: (key: string | null) => void;
}

const StoreContext = createContext<Store | null>(null);

/** A readable, sortable specimen ID for when the user gives none: S-YYYYMMDD-HHMMSS-xxxx. */
export function generateSpecimenId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const rand = Math.random().toString(36).slice(2, 6);
  return `S-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(
    now.getMinutes(),
  )}${p(now.getSeconds())}-${rand}`;
}

let seq = 0;

export function SpecimenProvider({ children }: { children: ReactNode }) {
  const [specimen, setSpecimen] = useState('');
  const [fields, setFields] = useState<FieldEntry[]>([]);
  const [options, setOptions] = useState<SpecimenOptions>({ engine: '', profile: '' });
  const [selected, setSelected] = useState<string | null>(null);
  const started = useRef(new Set<string>());
  const controllers = useRef(new Map<string, AbortController>());

  const update = useCallback((key: string, patch: Partial<FieldEntry>) => {
    setFields((fs) => fs.map((f) => (f.key === key ? { ...f, ...patch } : f)));
  }, []);

  // The scheduler: start queued fields while fewer than UPLOAD_CONCURRENCY are in flight.
  useEffect(() => {
    const active = fields.filter((f) => f.status === 'uploading' || f.status === 'analysing').length;
    const queued = fields.filter((f) => f.status === 'queued' && !started.current.has(f.key));
    for (const f of queued.slice(0, Math.max(0, UPLOAD_CONCURRENCY - active))) {
      started.current.add(f.key);
      const ctl = new AbortController();
      controllers.current.set(f.key, ctl);
      update(f.key, { status: 'uploading', progress: 0 });
      submitAnalysis(
        f.file,
        f.name,
        { engine: options.engine || undefined, profile: options.profile || undefined, specimen },
        (p) => update(f.key, p.uploaded ? { status: 'analysing', progress: 1 } : { progress: p.sent }),
        ctl.signal,
      ).then(
        (result) => {
          update(f.key, { status: 'done', result });
          // Show the first finished field if the user has not chosen one.
          setSelected((s) => s ?? f.key);
        },
        (error: unknown) => {
          if (!ctl.signal.aborted) update(f.key, { status: 'failed', error });
        },
      );
    }
  }, [fields, options, specimen, update]);

  const addFiles = useCallback((files: readonly { blob: Blob; name: string }[]): string[] => {
    if (files.length === 0) return [];
    setSpecimen((s) => s || generateSpecimenId());
    const added = files.map((f) => ({
      key: `f${++seq}`,
      name: f.name,
      file: f.blob,
      url: URL.createObjectURL(f.blob),
      status: 'queued' as const,
      progress: 0,
    }));
    setFields((fs) => [...fs, ...added]);
    return added.map((f) => f.key);
  }, []);

  const clear = useCallback(() => {
    for (const c of controllers.current.values()) c.abort();
    controllers.current.clear();
    started.current.clear();
    setFields((fs) => {
      for (const f of fs) URL.revokeObjectURL(f.url);
      return [];
    });
    setSpecimen('');
    setSelected(null);
  }, []);

  const retry = useCallback((key: string) => {
    started.current.delete(key);
    setFields((fs) =>
      fs.map((f) => (f.key === key ? { ...f, status: 'queued', progress: 0, error: undefined } : f)),
    );
  }, []);

  const remove = useCallback((key: string) => {
    controllers.current.get(key)?.abort();
    setFields((fs) => {
      const f = fs.find((x) => x.key === key);
      if (f) URL.revokeObjectURL(f.url);
      return fs.filter((x) => x.key !== key);
    });
    setSelected((s) => (s === key ? null : s));
  }, []);

  const store = useMemo<Store>(
    () => ({
      specimen,
      setSpecimen,
      locked: fields.some((f) => f.status !== 'queued'),
      fields,
      options,
      setOptions,
      addFiles,
      retry,
      setResult: (key: string, result: AnalysisResult) => update(key, { result }),
      remove,
      clear,
      selected,
      select: setSelected,
    }),
    [specimen, fields, options, addFiles, retry, update, remove, clear, selected],
  );
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

export function useSpecimen(): Store {
  const s = useContext(StoreContext);
  if (!s) throw new Error('useSpecimen outside SpecimenProvider');
  return s;
}
