/**
 * Live: a camera aimed at the microscope (or its monitor), analysed continuously over the live
 * WebSocket with boxes drawn over the video; Freeze keeps the current frame as a full analysis.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { Disclaimer } from '../../components/disclaimer';
import { useErrorText } from '../../components/error-message';
import { formatScore, labelName, localised, useI18n } from '../../i18n/i18n';
import { labelColor } from '../result/label-colors';
import { useServer } from '../../app/server-context';
import { useSpecimen } from '../analyze/specimen-store';
import { ResultView } from '../result/result-view';
import { LiveSession, liveUrl, type LiveResult, type LiveStats } from './live-client';

const RESOLUTIONS = [
  { w: 640, h: 480 },
  { w: 1280, h: 720 },
  { w: 1920, h: 1080 },
] as const;
const FPS_CHOICES = [5, 10, 15, 30] as const;
/** Frames are sent at most this wide: enough for the engine, light on the network. */
const MAX_SEND_WIDTH = 960;
const JPEG_QUALITY = 0.8;

type CameraProblem = 'noCamera' | 'denied' | 'insecure' | 'unsupported' | { message: string };
type Phase = 'idle' | 'starting' | 'running' | 'frozen';

function cameraProblemOf(err: unknown): CameraProblem {
  const name = err instanceof DOMException ? err.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError')
    return 'noCamera';
  return { message: err instanceof Error ? err.message : String(err) };
}

export default function LivePage() {
  const { t, lng } = useI18n();
  const videoRef = useRef<HTMLVideoElement>(null);
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const streamRef = useRef<MediaStream | null>(null);
  const sessionRef = useRef<LiveSession | null>(null);
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [deviceId, setDeviceId] = useState('');
  const [resolution, setResolution] = useState(0);
  const [maxFps, setMaxFps] = useState<number>(15);
  const [phase, setPhase] = useState<Phase>('idle');
  const [problem, setProblem] = useState<CameraProblem | null>(null);
  const [connection, setConnection] = useState<
    'none' | 'connecting' | 'open' | 'unavailable' | { closed: string }
  >('none');
  const [result, setResult] = useState<LiveResult | null>(null);
  const [stats, setStats] = useState<LiveStats | null>(null);
  const [frameError, setFrameError] = useState<string | null>(null);
  // Freeze adds the frame to the current specimen (shared with Analyze); this is its field key.
  const specimen = useSpecimen();
  const { capabilities } = useServer();
  const errorText = useErrorText();
  const [frozenKey, setFrozenKey] = useState<string | null>(null);
  const frozen = frozenKey ? specimen.fields.find((f) => f.key === frozenKey) : undefined;

  const mediaSupported = typeof navigator.mediaDevices?.getUserMedia === 'function';

  const refreshDevices = useCallback(async () => {
    if (!mediaSupported) return;
    const all = await navigator.mediaDevices.enumerateDevices();
    setDevices(all.filter((d) => d.kind === 'videoinput'));
  }, [mediaSupported]);

  useEffect(() => {
    void refreshDevices();
  }, [refreshDevices]);

  const stopAll = useCallback(() => {
    sessionRef.current?.stop();
    sessionRef.current = null;
    for (const track of streamRef.current?.getTracks() ?? []) track.stop();
    streamRef.current = null;
  }, []);

  useEffect(() => stopAll, [stopAll]);

  /** Draws the current video frame, scaled to at most `maxWidth`, into the shared canvas. */
  const drawFrame = (maxWidth: number): HTMLCanvasElement | null => {
    const video = videoRef.current;
    if (!video || video.readyState < 2 || !video.videoWidth) return null;
    const scale = Math.min(1, maxWidth / video.videoWidth);
    const w = Math.round(video.videoWidth * scale);
    const h = Math.round(video.videoHeight * scale);
    const canvas = (canvasRef.current ??= document.createElement('canvas'));
    canvas.width = w;
    canvas.height = h;
    canvas.getContext('2d')!.drawImage(video, 0, 0, w, h);
    return canvas;
  };

  const grab = (): Promise<Blob | null> => {
    const canvas = drawFrame(MAX_SEND_WIDTH);
    if (!canvas) return Promise.resolve(null);
    return new Promise((resolve) => canvas.toBlob((b) => resolve(b), 'image/jpeg', JPEG_QUALITY));
  };

  const start = async () => {
    setProblem(null);
    setFrameError(null);
    setResult(null);
    setStats(null);
    if (!window.isSecureContext) return setProblem('insecure');
    if (!mediaSupported) return setProblem('unsupported');
    setPhase('starting');
    const res = RESOLUTIONS[resolution];
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        video: {
          ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
          width: { ideal: res.w },
          height: { ideal: res.h },
        },
        audio: false,
      });
      streamRef.current = stream;
      const video = videoRef.current!;
      video.srcObject = stream;
      await video.play();
      // Labels are only readable once permission is granted.
      void refreshDevices();
    } catch (err) {
      stopAll();
      setPhase('idle');
      setProblem(cameraProblemOf(err));
      return;
    }
    setPhase('running');
    setConnection('connecting');
    // The engine and profile chosen on Analyze apply here too; empty means the server's defaults.
    sessionRef.current = new LiveSession(
      liveUrl({ engine: specimen.options.engine, profile: specimen.options.profile }),
      grab,
      {
        onReady: () => setConnection('open'),
        onResult: (msg, s) => {
          setResult(msg);
          setStats(s);
          setFrameError(null);
        },
        onFrameError: (msg) => setFrameError(`${msg.message} (${msg.code})`),
        onClose: ({ code, reason, opened }) => {
          sessionRef.current = null;
          // Never opened: the route is missing, or the server refused (origin, sign-in) or is unreachable.
          if (!opened)
            setConnection(
              capabilities?.known && !capabilities.has('get', '/live')
                ? 'unavailable'
                : { closed: t('live.refused') },
            );
          else if (code !== 1000) setConnection({ closed: reason || String(code) });
          else setConnection('none');
        },
      },
      1000 / maxFps,
    );
  };

  const stop = () => {
    stopAll();
    setPhase('idle');
    setConnection('none');
  };

  /**
   * Freeze: the frame at the camera's full resolution becomes a field of the current specimen,
   * uploaded and stored like any other (POST /analyses), and is shown here as a full result.
   */
  const freeze = async () => {
    const canvas = drawFrame(Number.POSITIVE_INFINITY);
    if (!canvas) return;
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob((b) => r(b), 'image/png'));
    stopAll();
    setConnection('none');
    if (!blob) return;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const [key] = specimen.addFiles([{ blob, name: `live-${stamp}.png` }]);
    setFrozenKey(key ?? null);
    setPhase('frozen');
  };

  useEffect(() => {
    sessionRef.current?.setMaxFps(maxFps);
  }, [maxFps]);

  // "Resume live" returns to the camera view first, then starts once the video element exists again.
  const [resumeRequested, setResumeRequested] = useState(false);
  useEffect(() => {
    if (resumeRequested && phase === 'idle') {
      setResumeRequested(false);
      void start();
    }
  });

  const problemText =
    problem === null
      ? null
      : typeof problem === 'string'
        ? t(`live.${problem}`)
        : t('live.cameraError', { message: problem.message });

  if (phase === 'frozen' && frozen) {
    return (
      <div className="live-frozen">
        <div className="row-buttons live-frozen-bar">
          <span role="status" data-testid="frozen-status">
            {frozen.status === 'done'
              ? t('live.frozen', { specimen: specimen.specimen })
              : frozen.status === 'failed'
                ? errorText(frozen.error)
                : t('live.freezing')}
          </span>
          <button
            type="button"
            className="primary"
            onClick={() => {
              setFrozenKey(null);
              setPhase('idle');
              setResumeRequested(true);
            }}
          >
            {t('live.resume')}
          </button>
        </div>
        <div className="live-frozen-result">
          {frozen.result && (
            <ResultView
              result={frozen.result}
              imageUrl={frozen.url}
              onUpdated={(r) => specimen.setResult(frozen.key, r)}
            />
          )}
        </div>
      </div>
    );
  }

  const running = phase === 'running';
  const counts = result ? Object.entries(result.summary.counts).sort((a, b) => b[1] - a[1]) : [];

  return (
    <div className="live" data-testid="live">
      <div className="live-stage">
        <div className="live-media" hidden={phase === 'idle'}>
          <video
            ref={videoRef}
            muted
            playsInline
            data-testid="live-video"
            onLoadedMetadata={(e) => {
              const v = e.currentTarget;
              if (v.videoWidth && v.videoHeight)
                v.style.setProperty('--aspect', String(v.videoWidth / v.videoHeight));
            }}
          />
          {result && running && (
            <svg
              viewBox={`0 0 ${result.image.width} ${result.image.height}`}
              preserveAspectRatio="none"
              aria-hidden="true"
              data-testid="live-overlay"
            >
              {result.detections.map((d, i) => (
                <rect
                  key={i}
                  data-testid="live-box"
                  x={d.box[0]}
                  y={d.box[1]}
                  width={d.box[2] - d.box[0]}
                  height={d.box[3] - d.box[1]}
                  fill="none"
                  stroke={labelColor(d.label)}
                  strokeWidth={2}
                  vectorEffect="non-scaling-stroke"
                />
              ))}
            </svg>
          )}
        </div>
        {phase === 'idle' && <p className="live-message">{problemText ?? t('live.idle')}</p>}
        {running && stats && (
          <div className="live-stats" aria-label={t('live.stats')} data-testid="live-stats">
            <span data-testid="live-fps">{t('live.fps', { value: stats.fps.toFixed(1) })}</span>
            <span>{t('live.latency', { value: Math.round(stats.latencyMs) })}</span>
          </div>
        )}
      </div>
      <aside className="live-side">
        <h2>{t('live.title')}</h2>
        <p className="help">{t('live.intro')}</p>
        <p className="help" data-testid="live-specimen">
          {specimen.specimen
            ? t('live.specimenNote', { specimen: specimen.specimen })
            : t('live.specimenNew')}
        </p>
        <div className="form-grid">
          <label htmlFor="camera">{t('live.camera')}</label>
          <select
            id="camera"
            value={deviceId}
            onChange={(e) => setDeviceId(e.target.value)}
            disabled={running}
          >
            <option value="">{devices[0]?.label || t('live.cameraN', { n: 1 })}</option>
            {devices.slice(1).map((d, i) => (
              <option key={d.deviceId || i} value={d.deviceId}>
                {d.label || t('live.cameraN', { n: i + 2 })}
              </option>
            ))}
          </select>
          <label htmlFor="resolution">{t('live.resolution')}</label>
          <select
            id="resolution"
            value={resolution}
            onChange={(e) => setResolution(Number(e.target.value))}
            disabled={running}
          >
            {RESOLUTIONS.map((r, i) => (
              <option key={i} value={i}>
                {r.w} × {r.h}
              </option>
            ))}
          </select>
          <label htmlFor="max-fps">{t('live.maxFps')}</label>
          <select id="max-fps" value={maxFps} onChange={(e) => setMaxFps(Number(e.target.value))}>
            {FPS_CHOICES.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </div>
        <div className="row-buttons">
          {running || phase === 'starting' ? (
            <button type="button" onClick={stop}>
              {t('live.stop')}
            </button>
          ) : (
            <button type="button" className="primary" onClick={() => void start()}>
              {t('live.start')}
            </button>
          )}
          <button type="button" onClick={() => void freeze()} disabled={!running || !result}>
            {t('live.freeze')}
          </button>
        </div>
        {problemText && phase === 'idle' && (
          <p className="error" role="alert" data-testid="live-problem">
            {problemText}
          </p>
        )}
        <p role="status" data-testid="live-connection">
          {connection === 'connecting'
            ? t('live.connecting')
            : connection === 'unavailable'
              ? t('live.unavailable')
              : typeof connection === 'object'
                ? t('live.disconnected', { reason: connection.closed })
                : ''}
        </p>
        {frameError && <p className="error">{frameError}</p>}
        {result && running && (
          <section aria-live="off">
            <Disclaimer />
            <h3>{t('result.finding')}</h3>
            <p className="finding-text" data-testid="live-finding">
              {localised(result.summary.finding, lng)}
            </p>
            <table className="counts">
              <tbody>
                {counts.map(([label, n]) => (
                  <tr key={label}>
                    <th scope="row">
                      <span className="swatch" style={{ background: labelColor(label) }} aria-hidden="true" />
                      {labelName(label, lng)}
                    </th>
                    <td className="num">{n}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {result.summary.differential[0] && (
              <p>
                {t('result.differential')}: {labelName(result.summary.differential[0].label, lng)} (
                {formatScore(result.summary.differential[0].score)})
              </p>
            )}
          </section>
        )}
      </aside>
    </div>
  );
}
