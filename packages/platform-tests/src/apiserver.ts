/** The apiserver's answer to a call: 201 and no message when it succeeded, else its code and message. */
export async function outcome(
  call: Promise<unknown>,
): Promise<{ code: number; message: string }> {
  try {
    await call;
    return { code: 201, message: '' };
  } catch (e: any) {
    let message = String(e.body?.message ?? e.body ?? e.message);
    try {
      message = JSON.parse(e.body).message;
    } catch {
      // not JSON
    }
    return { code: e.code ?? e.status ?? -1, message };
  }
}

/** Polls `check` every 250 ms until it returns a value (errors count as not yet). */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 250));
  }
}
