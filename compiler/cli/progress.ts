// Training progress on the terminal: a cli-progress bar (step, epoch, loss, steps/s,
// ETA) when the output is a TTY, and otherwise one plain line every `intervalMs`
// (and at the end), so logs and CI output stay readable.
import { SingleBar } from 'cli-progress';

export interface ProgressOptions {
  /** Total optimizer steps of the run (including steps done before a resume). */
  readonly totalSteps: number;
  /** The step the run starts from (non-zero when resuming); rates count from here. */
  readonly startStep?: number;
  readonly stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Defaults to the stream's isTTY. */
  readonly tty?: boolean;
  /** Plain mode: at most one line per interval (default 5 s). */
  readonly intervalMs?: number;
  /** The clock, in ms (tests pass a fake one). */
  readonly now?: () => number;
}

export interface ProgressState {
  readonly step: number;
  readonly epoch: number;
  readonly loss?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function formatLoss(loss: number | undefined): string {
  if (loss === undefined) return '-';
  return Number.isFinite(loss) ? loss.toFixed(4) : String(loss);
}

export class TrainingProgress {
  private readonly bar: SingleBar | undefined;
  private readonly stream: NodeJS.WritableStream;
  private readonly now: () => number;
  private readonly startTime: number;
  private readonly startStep: number;
  private lastLine = -Infinity;
  private last: ProgressState | undefined;
  private lastPrinted: ProgressState | undefined;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stdout;
    this.now = options.now ?? Date.now;
    this.startTime = this.now();
    this.startStep = options.startStep ?? 0;
    const tty = options.tty ?? (this.stream as NodeJS.WriteStream).isTTY === true;
    if (tty) {
      this.bar = new SingleBar({
        stream: this.stream,
        format: 'epoch {epoch} |{bar}| {value}/{total} steps | loss {loss} | {rate} steps/s | ETA {etaText}',
        barCompleteChar: '█',
        barIncompleteChar: '░',
        hideCursor: true,
        clearOnComplete: false,
        fps: 10,
      });
      this.bar.start(options.totalSteps, this.startStep, { epoch: 0, loss: '-', rate: '-', etaText: '?' });
    }
  }

  private rates(step: number): { rate: number; eta: number } {
    const seconds = (this.now() - this.startTime) / 1000;
    const rate = seconds > 0 ? (step - this.startStep) / seconds : NaN;
    return { rate, eta: rate > 0 ? (this.options.totalSteps - step) / rate : NaN };
  }

  /** The plain-mode line for a state. */
  line(s: ProgressState): string {
    const { rate, eta } = this.rates(s.step);
    const rateText = Number.isFinite(rate) ? rate.toFixed(1) : '-';
    return `step ${s.step}/${this.options.totalSteps} epoch ${s.epoch} loss ${formatLoss(s.loss)} ${rateText} steps/s ETA ${formatDuration(eta)}`;
  }

  update(s: ProgressState): void {
    this.last = s;
    if (this.bar) {
      const { rate, eta } = this.rates(s.step);
      this.bar.update(s.step, {
        epoch: s.epoch,
        loss: formatLoss(s.loss),
        rate: Number.isFinite(rate) ? rate.toFixed(1) : '-',
        etaText: formatDuration(eta),
      });
      return;
    }
    const t = this.now();
    if (t - this.lastLine >= (this.options.intervalMs ?? 5000)) {
      this.lastLine = t;
      this.print(s);
    }
  }

  private print(s: ProgressState): void {
    this.lastPrinted = s;
    this.stream.write(`${this.line(s)}\n`);
  }

  /** Prints a message (e.g. an epoch's test accuracy) without breaking the bar. */
  log(message: string): void {
    if (this.bar) {
      // cli-progress redraws on the current line: clear it, print, then redraw.
      this.stream.write(`\r\x1b[K${message}\n`);
      this.bar.render();
    } else {
      this.stream.write(`${message}\n`);
    }
  }

  /** Ends the display; plain mode prints the last state if it was not printed yet. */
  stop(): void {
    if (this.bar) this.bar.stop();
    else if (this.last && this.last !== this.lastPrinted) this.print(this.last);
  }
}
