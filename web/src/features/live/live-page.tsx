/**
 * Live: a camera aimed at the microscope (or its monitor), analysed continuously over the live
 * WebSocket with boxes drawn over the video; Freeze keeps the current frame as a full analysis.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { submitAnalysis, type AnalysisResult } from '../../api/analyses';
import { useServer } from '../../app/server-context';
import { Disclaimer } from '../../components/disclaimer';
import { ErrorMessage } from '../../components/error-message';
import { formatScore, labelName, localised, useI18n } from '../../i18n/i18n';
import { labelColor } from '../result/label-colors';
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
  const { engines } = useServer();
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
  const [frozen, setFrozen] = useState<{ url: string; result: AnalysisResult | null; error: unknown } | null>(
    null,
  );

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
  useEffect(
    () => () => {
      if (frozen) URL.revokeObjectURL(frozen.url);
    },
    [frozen],
  );

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
    const engine = engines?.defaultEngine ?? undefined;
    sessionRef.current = new LiveSession(
      liveUrl({ ...(engine ? { engine } : {}) }),
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
          if (!opened) setConnection('unavailable');
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

  const freeze = async () => {
    const canvas = drawFrame(Number.POSITIVE_INFINITY);
    if (!canvas) return;
    sessionRef.current?.stop();
    sessionRef.current = null;
    videoRef.current?.pause();
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob((b) => r(b), 'image/png'));
    for (const track of streamRef.current?.getTracks() ?? []) track.stop();
    streamRef.current = null;
    setConnection('none');
    if (!blob) return;
    const url = URL.createObjectURL(blob);
    setFrozen({ url, result: null, error: null });
    setPhase('frozen');
    try {
      const r = await submitAnalysis(blob, `live-${new Date().toISOString()}.png`, {}, () => undefined);
      setFrozen({ url, result: r, error: null });
    } catch (err) {
      setFrozen({ url, result: null, error: err });
    }
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
      <div className="live-frozen" style={{ height: '100%', display: 'flex', flexDirection: 'column' }}>
        <div className="row-buttons" style={{ padding: '0.4rem 0.8rem', margin: 0 }}>
          <span role="status">{frozen.result ? t('live.frozen') : t('live.freezing')}</span>
          <button
            type="button"
            className="primary"
            onClick={() => {
              setFrozen(null);
              setPhase('idle');
              setResumeRequested(true);
            }}
          >
            {t('live.resume')}
          </button>
        </div>
        {frozen.error !== null && <ErrorMessage error={frozen.error} />}
        <div style={{ flex: 1, minHeight: 0 }}>
          {frozen.result && <ResultView result={frozen.result} imageUrl={frozen.url} />}
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
          <video ref={videoRef} muted playsInline data-testid="live-video" />
          {result && running && (
            <svg
              viewBox={`0 0 ${result.image.width} ${result.image.height}`}
              preserveAspectRatio="none"
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
