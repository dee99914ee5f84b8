/** A progress bar on stderr when it is a terminal; silent otherwise or with --quiet. */
import cliProgress from 'cli-progress';

export interface Progress {
  tick(label?: string): void;
  stop(): void;
}

export function createProgress(total: number, options: { quiet?: boolean; label?: string } = {}): Progress {
  if (options.quiet || !process.stderr.isTTY || total < 2)
    return { tick: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${options.label ?? 'progress'} [{bar}] {value}/{total} {eta_formatted} {file}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { file: '' });
  return {
    tick: (label) => bar.increment(1, { file: label ?? '' }),
    stop: () => bar.stop(),
  };
}
