// A located problem found while lowering (a type or shape error, a misuse of a
// builtin). The lowering turns each into a Diagnostic; several can be reported
// per file because each entry point is lowered on its own.
import type { Span } from '../../dsl/ast';
import type { Diagnostic, DiagnosticNote } from '../../dsl/diagnostics';
import { DlcError, formatSpan } from '../../runtime/errors';

export class LowerError extends Error {
  constructor(
    readonly span: Span,
    message: string,
    readonly notes: readonly DiagnosticNote[] = [],
  ) {
    super(message);
    this.name = 'LowerError';
  }
}

/** A lowering failure as a Diagnostic; DlcErrors from the IR builder keep their span. */
export function toDiagnostic(e: unknown): Diagnostic {
  if (e instanceof LowerError) return { severity: 'error', code: 'type-error', message: e.message, span: e.span, notes: e.notes };
  if (e instanceof DlcError && e.span) {
    const prefix = `${formatSpan(e.span)}: `;
    const message = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
    return { severity: 'error', code: 'type-error', message, span: e.span, notes: [] };
  }
  throw e;
}

export function errorDiagnostic(span: Span, message: string): Diagnostic {
  return { severity: 'error', code: 'type-error', message, span, notes: [] };
}
