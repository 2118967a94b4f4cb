/**
 * An error answered with GitLab's status code and JSON body. The static
 * helpers produce the body shapes GitLab's Grape API uses:
 * `{"message": "404 Project Not Found"}` for not-found and API errors,
 * `{"message": {"field": ["…"]}}` for model validation errors and
 * `{"error": "name is missing"}` for parameter validation errors.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
    this.name = 'ApiError';
  }

  /** 404 `{"message":"404 <What> Not Found"}` (Grape's `not_found!(what)`); without `what`, `404 Not Found`. */
  static notFound(what?: string): ApiError {
    return new ApiError(404, {
      message: what ? `404 ${what} Not Found` : '404 Not Found',
    });
  }

  /** 404 `{"message":"404 Not found"}`, GitLab's answer when an ActiveRecord lookup fails. */
  static recordNotFound(): ApiError {
    return new ApiError(404, { message: '404 Not found' });
  }

  /** 400 `{"message": message}` (message may be a string, list or object). */
  static badRequest(message: unknown): ApiError {
    return new ApiError(400, { message });
  }

  /** 400 validation error `{"message": {"field": ["…"]}}`. */
  static validation(errors: Record<string, string[]>): ApiError {
    return new ApiError(400, { message: errors });
  }

  /** 400 parameter error `{"error": "a is missing, b is missing"}` as Grape reports required params. */
  static missing(...names: string[]): ApiError {
    return new ApiError(400, {
      error: names.map(n => `${n} is missing`).join(', '),
    });
  }

  /** 400 parameter error `{"error": "<name> is invalid"}` (wrong type). */
  static invalid(name: string): ApiError {
    return new ApiError(400, { error: `${name} is invalid` });
  }

  /** 400 parameter error `{"error": "<name> does not have a valid value"}` (value not in the allowed set). */
  static notAllowedValue(name: string): ApiError {
    return new ApiError(400, { error: `${name} does not have a valid value` });
  }

  /** 401 `{"message":"401 Unauthorized"}`. */
  static unauthorized(): ApiError {
    return new ApiError(401, { message: '401 Unauthorized' });
  }

  /** 403 `{"message":"403 Forbidden"}` (or a specific message). */
  static forbidden(message = '403 Forbidden'): ApiError {
    return new ApiError(403, { message });
  }

  /** 409 `{"message": message}`. */
  static conflict(message: unknown): ApiError {
    return new ApiError(409, { message });
  }

  /** 422 `{"message": message}`. */
  static unprocessable(message: unknown): ApiError {
    return new ApiError(422, { message });
  }

  /**
   * 403 for a token without the scope an endpoint needs. GitLab answers with
   * an OAuth-style body and `WWW-Authenticate` header rather than `message`.
   */
  static insufficientScope(scopes: string[]): ApiError {
    const description =
      'The request requires higher privileges than provided by the access token.';
    const scope = scopes.join(' ');
    return new ApiError(
      403,
      { error: 'insufficient_scope', error_description: description, scope },
      {
        'WWW-Authenticate': `Bearer realm="Protected by OAuth 2.0", error="insufficient_scope", error_description="${description}", scope="${scope}"`,
      },
    );
  }
}
