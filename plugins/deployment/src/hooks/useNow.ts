import { useEffect, useState } from 'react';

/**
 * The current time, updated every `intervalMs`. Use it in small components only: every user
 * re-renders on each tick.
 */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(id);
  }, [intervalMs]);
  return now;
}
