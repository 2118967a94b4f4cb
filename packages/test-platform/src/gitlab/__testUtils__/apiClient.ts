/** A parsed HTTP response for contract assertions. */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A raw-`fetch` GitLab API caller (no client library, so tests see exactly what goes over the wire). */
export type ApiCall = <T = any>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<ApiResponse<T>>;

/**
 * Returns a caller for `<apiBaseUrl><path>` that authenticates with
 * `PRIVATE-TOKEN` (unless `token` is undefined), sends `body` as JSON and
 * parses JSON responses.
 */
export function apiClient(apiBaseUrl: string, token?: string): ApiCall {
  return async (method, path, body, headers = {}) => {
    const response = await fetch(`${apiBaseUrl}${path}`, {
      method,
      headers: {
        ...(token ? { 'PRIVATE-TOKEN': token } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const isJson = (response.headers.get('content-type') ?? '').includes(
      'application/json',
    );
    return {
      status: response.status,
      headers: response.headers,
      body: isJson && text ? JSON.parse(text) : text,
    };
  };
}
