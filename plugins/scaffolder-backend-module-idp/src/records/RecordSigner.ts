import crypto from 'node:crypto';
import { Config } from '@backstage/config';
import { LoggerService } from '@backstage/backend-plugin-api';
import { readIdpConfig } from '@internal/plugin-idp-node';

/**
 * Signs and verifies undo records (HMAC-SHA256), so `idp:undo` acts only on records our own
 * action wrapper wrote for a given task and step. A task log is not a trustworthy channel by
 * itself: any step may log text, and a value a user typed can end up in a log line or an error
 * message. A record is undoable only when its signature covers its content, its task id and its
 * step id, which only the wrapper (holding the key) can produce.
 *
 * The key is `idp.undo.recordKey`, else the first `backend.auth.keys` secret (production sets
 * one; it is shared by every replica, so a task recorded on one replica can be undone on
 * another), else a random key for this process (local mode: records of tasks from before a
 * restart cannot be verified, and undo by entity still works).
 *
 * @public
 */
export class RecordSigner {
  static fromConfig(config: Config, logger?: LoggerService): RecordSigner {
    const configured =
      readIdpConfig(config).undo.recordKey ??
      config
        .getOptionalConfigArray('backend.auth.keys')?.[0]
        ?.getOptionalString('secret');
    if (!configured) {
      logger?.warn(
        'No idp.undo.recordKey or backend.auth.keys secret: undo records are signed with a key of this process only; records of tasks run before a restart cannot be undone by task id',
      );
    }
    return new RecordSigner(
      configured
        ? Buffer.from(`idp-undo-record:${configured}`)
        : crypto.randomBytes(32),
    );
  }

  constructor(private readonly key: Buffer) {}

  /** The signature of `payload` (a record's canonical JSON) for a task's step. */
  sign(payload: string, taskId: string, stepId: string): string {
    return crypto
      .createHmac('sha256', this.key)
      .update(`v2\n${taskId}\n${stepId}\n${payload}`)
      .digest('base64url');
  }

  /** Whether `signature` is this signer's for `payload`, task and step (constant time). */
  verify(
    payload: string,
    taskId: string,
    stepId: string,
    signature: string,
  ): boolean {
    const expected = Buffer.from(this.sign(payload, taskId, stepId));
    const actual = Buffer.from(String(signature));
    return (
      expected.length === actual.length &&
      crypto.timingSafeEqual(expected, actual)
    );
  }
}
