// Reading one row's fields under a mapping, collecting every problem with the
// field it belongs to instead of stopping at the first.
import { getField } from './mapping';
import { coerceMessages } from './messages';
import { type ImportErrorCode, type Message, type Severity } from './record';

export interface RowIssue {
  field?: string;
  code: ImportErrorCode;
  severity: Severity;
  reason: string;
}

/** Absent, null or blank: the field says nothing. */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

export class RowFields {
  readonly issues: RowIssue[] = [];

  constructor(readonly row: Record<string, unknown>) {}

  get(name: string | undefined): unknown {
    return name === undefined ? undefined : getField(this.row, name);
  }

  failed(): boolean {
    return this.issues.some((i) => i.severity === 'error');
  }

  issue(field: string | undefined, code: ImportErrorCode, reason: string, severity: Severity = 'error'): void {
    this.issues.push({ ...(field !== undefined ? { field } : {}), code, severity, reason });
  }

  /** A required message list; null (with an issue recorded) when it cannot be had. */
  messages(name: string | undefined, role: string, what: string): Message[] | null {
    if (name === undefined) {
      this.issue(undefined, 'missing-field', `no field is mapped to ${what}`);
      return null;
    }
    const value = this.get(name);
    if (value === undefined || value === null) {
      this.issue(name, 'missing-field', `field "${name}" (${what}) is missing`);
      return null;
    }
    const coerced = coerceMessages(value, role);
    if (!coerced.ok) {
      this.issue(name, 'wrong-type', `field "${name}" (${what}): ${coerced.reason}`);
      return null;
    }
    return coerced.messages;
  }

  /** An optional text field: undefined when absent or blank. */
  optionalText(name: string | undefined): string | undefined {
    const value = this.get(name);
    if (isBlank(value)) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    this.issue(name, 'wrong-type', `field "${name}" should be text, found ${Array.isArray(value) ? 'a list' : typeof value}`);
    return undefined;
  }

  /** A required text field. */
  text(name: string | undefined, what: string): string | null {
    if (name === undefined || this.get(name) === undefined || this.get(name) === null) {
      this.issue(name, 'missing-field', name === undefined ? `no field is mapped to ${what}` : `field "${name}" (${what}) is missing`);
      return null;
    }
    return this.optionalText(name) ?? '';
  }
}
