import type { Request, Response } from 'express';

const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 100;

function positiveInt(value: unknown, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/**
 * Offset pagination as documented in GitLab's REST API docs
 * (docs: api/rest/_index.md#offset-based-pagination): `page` and `per_page`
 * (default 20, capped at 100) select the slice, and the response carries
 * `X-Page`, `X-Per-Page`, `X-Total`, `X-Total-Pages`, `X-Next-Page`,
 * `X-Prev-Page` (empty when there is none) and a `Link` header with
 * `prev`/`next`/`first`/`last` relations built from the request URL.
 *
 * @param origin - scheme, host and port the client used, e.g. `http://127.0.0.1:1234`
 */
export function paginate<T>(
  req: Request,
  res: Response,
  items: T[],
  origin: string,
): T[] {
  const perPage = Math.min(
    positiveInt(req.query.per_page, DEFAULT_PER_PAGE),
    MAX_PER_PAGE,
  );
  const page = positiveInt(req.query.page, 1);
  const total = items.length;
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  const next = page < totalPages ? page + 1 : undefined;
  const prev = page > 1 ? Math.min(page - 1, totalPages) : undefined;

  const url = new URL(req.originalUrl, origin);
  const linkTo = (p: number) => {
    const target = new URL(url);
    // Same order as GitLab's links: other params, then page, then per_page.
    target.searchParams.delete('page');
    target.searchParams.delete('per_page');
    target.searchParams.append('page', String(p));
    target.searchParams.append('per_page', String(perPage));
    // Credentials in the query must not be copied into headers.
    target.searchParams.delete('private_token');
    target.searchParams.delete('access_token');
    return target.toString();
  };
  const links: string[] = [];
  if (prev) links.push(`<${linkTo(prev)}>; rel="prev"`);
  if (next) links.push(`<${linkTo(next)}>; rel="next"`);
  links.push(`<${linkTo(1)}>; rel="first"`);
  links.push(`<${linkTo(totalPages)}>; rel="last"`);

  res.set({
    'X-Page': String(page),
    'X-Per-Page': String(perPage),
    'X-Total': String(total),
    'X-Total-Pages': String(totalPages),
    'X-Next-Page': next ? String(next) : '',
    'X-Prev-Page': prev ? String(prev) : '',
    Link: links.join(', '),
  });
  return items.slice((page - 1) * perPage, page * perPage);
}
