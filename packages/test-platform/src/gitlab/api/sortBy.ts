/**
 * Sorts records by a key in GitLab's `sort=asc|desc` direction; ties are
 * broken by ascending id so pages stay stable between requests.
 */
export function sortBy<T extends { id: number }>(
  items: T[],
  key: (item: T) => string | number,
  direction: 'asc' | 'desc',
): T[] {
  const sign = direction === 'asc' ? 1 : -1;
  return items.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka < kb) return -sign;
    if (ka > kb) return sign;
    return a.id - b.id;
  });
}
