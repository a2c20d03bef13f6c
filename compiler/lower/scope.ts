// Lexical scopes of the lowering: a chain of name → value maps. The resolver
// (dsl/) has already reported undefined and duplicate names, so a failed lookup
// here is reported as a plain located error.
import type { LVal } from './values';

export class Scope {
  private readonly names = new Map<string, LVal>();
  /** Names whose declaration failed (and was reported): uses of them are follow-on errors. */
  private readonly failed = new Set<string>();

  constructor(readonly parent?: Scope) {}

  define(name: string, value: LVal): void {
    this.names.set(name, value);
  }

  /** Rebinds a name where it is defined (loop carries), or defines it here. */
  assign(name: string, value: LVal): void {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      if (s.names.has(name)) {
        s.names.set(name, value);
        return;
      }
    }
    this.names.set(name, value);
  }

  lookup(name: string): LVal | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const v = s.names.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** Marks `name` as declared here but failed to lower. */
  poison(name: string): void {
    this.failed.add(name);
  }

  /** Whether `name` resolves to a declaration that failed to lower. */
  isPoisoned(name: string): boolean {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      if (s.names.has(name)) return false;
      if (s.failed.has(name)) return true;
    }
    return false;
  }

  hasOwn(name: string): boolean {
    return this.names.has(name);
  }

  child(): Scope {
    return new Scope(this);
  }
}
