// Errors meant for the person running dlc. Anything thrown that is not a DlcError
// is a bug in dlc and is reported by the CLI as an internal error.

/** A source position range; lines and columns are 1-based, `endCol` is exclusive. */
export interface Span {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
}

export function formatSpan(span: Span): string {
  return `${span.file}:${span.line}:${span.col}`;
}

/**
 * A user-facing error: its message is complete and printed as is, on one line
 * where possible, without a stack trace. `exitCode` follows the CLI's convention
 * (1: the input has errors, 2: usage or I/O problem).
 */
export class DlcError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
    readonly span?: Span,
  ) {
    super(message);
    this.name = 'DlcError';
  }
}
