// Lexical scopes of the lowering: a chain of name → value maps. The resolver
// (dsl/) has already reported undefined and duplicate names, so a failed lookup
// here is reported as a plain located error.
import type { LVal } from './values';

export class Scope {
  private readonly names = new Map<string, LVal>();

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

  hasOwn(name: string): boolean {
    return this.names.has(name);
  }

  child(): Scope {
    return new Scope(this);
  }
}
