/** A fault to inject into matching requests. */
export interface FaultRule {
  /** HTTP method to match (case-insensitive); any method when omitted. */
  method?: string;
  /**
   * Path to match, relative to the double's `basePath` and without query
   * string, exactly as sent (URL-encoded ids stay encoded), e.g.
   * `/api/v4/projects/1` or `/group/repo.git/git-receive-pack`.
   * A string matches the whole path, where `*` stands for any run of
   * characters except `/`; a RegExp is tested against the path.
   */
  path: string | RegExp;
  /**
   * Fields the request's body (JSON or form) must have for the rule to apply: a string must
   * equal the field's value, a RegExp is tested against it, e.g. `{ name: /-deployment$/ }` to
   * fail only the creation of a deployment project among several `POST /projects`. A request
   * without a body (or with another body) does not match.
   */
  requestBody?: Record<string, string | RegExp>;
  /** How many requests the rule applies to; unlimited when omitted. */
  times?: number;
  /** Delay before the request is answered (by the fault or normally). */
  latencyMs?: number;
  /** Answer with this status instead of handling the request (e.g. 500, 503, 429). */
  status?: number;
  /** Body for `status`: objects are sent as JSON, strings as text. Default `{"message": "<status> ..."}`. */
  body?: unknown;
  /** `Retry-After` header value (seconds) sent with `status`. */
  retryAfter?: number | string;
  /** Destroy the connection without any response (the client sees a reset / socket hang up). */
  reset?: boolean;
}

/** A rule added to the injector, with how often it fired so far. */
export interface ActiveFault extends Readonly<FaultRule> {
  readonly id: number;
  /** Requests the rule has applied to. */
  readonly hits: number;
  /** Applications left (Infinity when unlimited). */
  readonly remaining: number;
}

interface StoredFault {
  id: number;
  rule: FaultRule;
  matcher: RegExp;
  bodyMatchers?: [string, RegExp][];
  hits: number;
  remaining: number;
}

function toMatcher(path: string | RegExp): RegExp {
  // Stateful flags would make RegExp#test alternate between matches.
  if (path instanceof RegExp) {
    return new RegExp(path.source, path.flags.replace(/[gy]/g, ''));
  }
  const escaped = path
    .split('*')
    .map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${escaped}$`);
}

function toBodyMatchers(
  fields: Record<string, string | RegExp> | undefined,
): [string, RegExp][] | undefined {
  if (!fields) return undefined;
  return Object.entries(fields).map(([field, value]) => [
    field,
    value instanceof RegExp
      ? new RegExp(value.source, value.flags.replace(/[gy]/g, ''))
      : new RegExp(`^${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
  ]);
}

function bodyMatches(
  matchers: [string, RegExp][] | undefined,
  body: unknown,
): boolean {
  if (!matchers) return true;
  if (!body || typeof body !== 'object') return false;
  return matchers.every(([field, matcher]) => {
    const value = (body as Record<string, unknown>)[field];
    return value !== undefined && value !== null && matcher.test(String(value));
  });
}

/**
 * Fault injection for the double. Rules are checked in the order they were
 * added; the first matching rule with applications left is used for a
 * request and one application is consumed, and exhausted rules disappear.
 * A rule can add latency, answer with an error status (5xx, or 429 with
 * `Retry-After`) or reset the connection; latency combines with the others.
 */
export class FaultInjector {
  private rules: StoredFault[] = [];
  private nextId = 1;

  /** Adds a rule and returns a live view of it. */
  add(rule: FaultRule): ActiveFault {
    if (rule.times !== undefined && rule.times < 1) {
      throw new Error('times must be at least 1');
    }
    const stored: StoredFault = {
      id: this.nextId++,
      rule: { ...rule },
      matcher: toMatcher(rule.path),
      bodyMatchers: toBodyMatchers(rule.requestBody),
      hits: 0,
      remaining: rule.times ?? Infinity,
    };
    this.rules.push(stored);
    return this.view(stored);
  }

  /** Answers matching requests with `status` (default 500) and an optional body. */
  error(
    path: string | RegExp,
    status = 500,
    options: Omit<FaultRule, 'path' | 'status'> = {},
  ): ActiveFault {
    return this.add({ ...options, path, status });
  }

  /** Answers matching requests with 429 and `Retry-After: <seconds>`. */
  rateLimit(
    path: string | RegExp,
    retryAfterSeconds = 1,
    options: Omit<FaultRule, 'path' | 'status' | 'retryAfter'> = {},
  ): ActiveFault {
    return this.add({
      ...options,
      path,
      status: 429,
      retryAfter: retryAfterSeconds,
      body: options.body ?? { message: 'Retry later' },
    });
  }

  /** Delays matching requests, which are then handled normally. */
  latency(
    path: string | RegExp,
    ms: number,
    options: Omit<FaultRule, 'path' | 'latencyMs'> = {},
  ): ActiveFault {
    return this.add({ ...options, path, latencyMs: ms });
  }

  /** Resets the connection of matching requests. */
  reset(
    path: string | RegExp,
    options: Omit<FaultRule, 'path' | 'reset'> = {},
  ): ActiveFault {
    return this.add({ ...options, path, reset: true });
  }

  /** Removes one rule. */
  remove(fault: ActiveFault): void {
    this.rules = this.rules.filter(r => r.id !== fault.id);
  }

  /** Removes all rules. */
  clear(): void {
    this.rules = [];
  }

  /** Rules that still have applications left, in matching order. */
  list(): ActiveFault[] {
    return this.rules.map(r => this.view(r));
  }

  /**
   * Whether a rule that matches on the request body could apply to a request: the server
   * then parses the body before calling {@link FaultInjector.take}.
   */
  needsBody(method: string, path: string): boolean {
    return this.rules.some(
      r => r.bodyMatchers && this.matches(r, method, path),
    );
  }

  /**
   * Finds and consumes the rule for a request. Used by the server; returns
   * undefined when no rule applies. `body` is the parsed request body, for rules
   * with `requestBody`.
   */
  take(method: string, path: string, body?: unknown): FaultRule | undefined {
    const found = this.rules.find(
      r => this.matches(r, method, path) && bodyMatches(r.bodyMatchers, body),
    );
    if (!found) return undefined;
    found.hits += 1;
    found.remaining -= 1;
    if (found.remaining <= 0) {
      this.rules = this.rules.filter(r => r !== found);
    }
    return found.rule;
  }

  private matches(r: StoredFault, method: string, path: string): boolean {
    return (
      (!r.rule.method ||
        r.rule.method.toUpperCase() === method.toUpperCase()) &&
      r.matcher.test(path)
    );
  }

  private view(stored: StoredFault): ActiveFault {
    return {
      ...stored.rule,
      id: stored.id,
      get hits() {
        return stored.hits;
      },
      get remaining() {
        return stored.remaining;
      },
    };
  }
}
