import type { Request } from 'express';
import { ApiError } from './ApiError';

/**
 * Request parameters as GitLab's Grape API sees them: query string, form and
 * JSON body merged (body wins), with Grape-like coercion and error messages
 * (`"x is missing"`, `"x is invalid"`, `"x does not have a valid value"`).
 */
export class Params {
  constructor(private readonly values: Record<string, unknown>) {}

  /** Parameters of an express request. */
  static from(req: Request): Params {
    const body =
      req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body)
        ? (req.body as Record<string, unknown>)
        : {};
    return new Params({ ...(req.query as Record<string, unknown>), ...body });
  }

  /** True when the parameter was sent (even if empty). */
  has(name: string): boolean {
    return this.values[name] !== undefined && this.values[name] !== null;
  }

  /** The raw value. */
  raw(name: string): unknown {
    return this.values[name];
  }

  /** A string parameter; numbers and booleans are converted like Grape does. */
  string(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') {
      return String(value);
    }
    throw ApiError.invalid(name);
  }

  /** Required non-blank strings; reports every missing one in one error. */
  requireStrings(...names: string[]): string[] {
    const missing = names.filter(n => {
      const v = this.string(n);
      return v === undefined || v === '';
    });
    if (missing.length) throw ApiError.missing(...missing);
    return names.map(n => this.string(n)!);
  }

  /** A boolean parameter (`true/false/1/0/t/f/yes/no`). */
  boolean(name: string): boolean | undefined {
    const value = this.values[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'boolean') return value;
    const text = String(value).toLowerCase();
    if (['true', '1', 't', 'yes', 'y'].includes(text)) return true;
    if (['false', '0', 'f', 'no', 'n'].includes(text)) return false;
    throw ApiError.invalid(name);
  }

  /** An integer parameter. */
  integer(name: string): number | undefined {
    const value = this.values[name];
    if (value === undefined || value === null || value === '') return undefined;
    const n = typeof value === 'number' ? value : Number(String(value));
    if (!Number.isInteger(n)) throw ApiError.invalid(name);
    return n;
  }

  /** An array of strings; a comma-separated string is split as GitLab does for `topics`/`scopes`. */
  stringArray(name: string): string[] | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) return value.map(v => String(v));
    if (typeof value === 'string') {
      return value
        .split(',')
        .map(v => v.trim())
        .filter(Boolean);
    }
    throw ApiError.invalid(name);
  }

  /** A string restricted to a set of values. */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!allowed.includes(value as T)) throw ApiError.notAllowedValue(name);
    return value as T;
  }

  /** A nested object parameter (e.g. `filter[environment_scope]`). */
  object(name: string): Record<string, unknown> | undefined {
    const value = this.values[name];
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    return undefined;
  }
}
