import { LoggerService } from '@backstage/backend-plugin-api';
import { RecordSigner } from '../records/RecordSigner';

/**
 * Something a golden-path action created, as recorded for undo. Records hold ids and names,
 * never secret values.
 *
 * @public
 */
export type CreatedResource =
  | {
      type: 'gitlab-project';
      host: string;
      id: number;
      path: string;
      role: 'app' | 'deploy';
    }
  | {
      type: 'gitlab-access-token';
      host: string;
      projectId: number;
      tokenId: number;
      name: string;
    }
  | {
      type: 'gitlab-deploy-token';
      host: string;
      projectId: number;
      tokenId: number;
      name: string;
    }
  | { type: 'gitlab-variable'; host: string; projectId: number; key: string }
  | {
      type: 'gitops-file';
      host: string;
      project: string;
      branch: string;
      path: string;
    }
  | {
      type: 'kubernetes-object';
      cluster: string;
      apiVersion: string;
      kind: string;
      name: string;
      namespace?: string;
    }
  | {
      type: 'catalog-location';
      id: string;
      target: string;
      entityRef?: string;
    };

/**
 * A record as the action wrapper writes it: the resource, the task and step that created it,
 * and the signature over all three (see {@link RecordSigner}).
 *
 * @public
 */
export type SignedRecord = CreatedResource & {
  task: string;
  step: string;
  sig: string;
};

const MARKER = 'undo-record';

/**
 * The logger meta key under which {@link recordCreated} hands a record to the action wrapper
 * (auditedAction), which signs it and writes the signed line. The key never reaches the log.
 */
export const RECORD_META = 'idpUndoRecord';

/**
 * Reports something an action created. The action wrapper turns it into a signed record line in
 * the task log: the durable record of what a task created, even when the task fails half-way (a
 * failed task has no outputs). Auditors read it, and `idp:undo` reads it back through the
 * scaffolder API to clean up. Only the wrapper can write a record that undo accepts.
 */
export function recordCreated(
  logger: LoggerService,
  resource: CreatedResource,
  description: string,
): CreatedResource {
  logger.info(description, { [RECORD_META]: resource });
  return resource;
}

/** JSON with sorted keys, so the signed bytes do not depend on property order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter(k => (value as any)[k] !== undefined)
      .sort()
      .map(k => `${JSON.stringify(k)}:${canonical((value as any)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Signs a record for a task's step. */
export function signRecord(
  signer: RecordSigner,
  resource: CreatedResource,
  taskId: string,
  stepId: string,
): SignedRecord {
  const { task: _t, step: _s, sig: _g, ...plain } = resource as any;
  return {
    ...(plain as CreatedResource),
    task: taskId,
    step: stepId,
    sig: signer.sign(canonical(plain), taskId, stepId),
  };
}

/** The log line of a signed record. */
export function recordLine(description: string, record: SignedRecord): string {
  return `${description} [${MARKER} ${JSON.stringify(record)}]`;
}

const HOST = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d{1,5})?$/i;
const PROJECT_PATH = /^[a-z0-9_][a-z0-9_.-]*(\/[a-z0-9_][a-z0-9_.-]*){1,19}$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const CLUSTER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
const VARIABLE_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const TOKEN_NAME = /^[a-z0-9][a-z0-9-]{0,99}$/;
const BRANCH = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/;
const FILE_PATH = /^[A-Za-z0-9_][A-Za-z0-9_./-]{0,1023}$/;
const LOCATION_ID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const API_VERSION = /^([a-z0-9.-]+\/)?v[0-9a-z]+$/;
const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;

const positiveInt = (n: unknown) =>
  typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
const matches = (re: RegExp, s: unknown) =>
  typeof s === 'string' && re.test(s) && !s.includes('..');

/**
 * What is wrong with a record's fields, if anything. Undo builds GitLab URL paths and Kubernetes
 * names from them, so every id must be a plain number and every name a plain name: no path
 * segments, no `..`, no query strings.
 */
export function recordErrors(r: any): string[] {
  if (!r || typeof r !== 'object') return ['not an object'];
  const errors: string[] = [];
  const need = (ok: boolean, field: string) => {
    if (!ok) errors.push(`${field} is not a plain value`);
  };
  switch (r.type) {
    case 'gitlab-project':
      need(matches(HOST, r.host), 'host');
      need(positiveInt(r.id), 'id');
      need(matches(PROJECT_PATH, r.path), 'path');
      need(r.role === 'app' || r.role === 'deploy', 'role');
      break;
    case 'gitlab-access-token':
    case 'gitlab-deploy-token':
      need(matches(HOST, r.host), 'host');
      need(positiveInt(r.projectId), 'projectId');
      need(positiveInt(r.tokenId), 'tokenId');
      need(matches(TOKEN_NAME, r.name), 'name');
      break;
    case 'gitlab-variable':
      need(matches(HOST, r.host), 'host');
      need(positiveInt(r.projectId), 'projectId');
      need(matches(VARIABLE_KEY, r.key), 'key');
      break;
    case 'gitops-file':
      need(matches(HOST, r.host), 'host');
      need(matches(PROJECT_PATH, r.project), 'project');
      need(matches(BRANCH, r.branch), 'branch');
      need(matches(FILE_PATH, r.path), 'path');
      break;
    case 'kubernetes-object':
      need(matches(CLUSTER, r.cluster), 'cluster');
      need(matches(API_VERSION, r.apiVersion), 'apiVersion');
      need(matches(KIND, r.kind), 'kind');
      need(matches(DNS_SUBDOMAIN, r.name) && r.name.length <= 253, 'name');
      need(
        r.namespace === undefined ||
          (matches(DNS_LABEL, r.namespace) && r.namespace.length <= 63),
        'namespace',
      );
      break;
    case 'catalog-location':
      need(matches(LOCATION_ID, r.id), 'id');
      need(
        typeof r.target === 'string' && /^https?:\/\/\S+$/.test(r.target),
        'target',
      );
      break;
    default:
      errors.push(`unknown type '${String(r.type)}'`);
  }
  return errors;
}

/** Why a candidate record was not accepted. */
export interface RejectedRecord {
  reason: string;
  text: string;
}

/**
 * Verifies a signed record: a valid signature for its task and step, the expected task and step
 * when given, and plain fields.
 */
export function verifyRecord(
  signer: RecordSigner,
  candidate: unknown,
  expect: { taskId?: string; stepIds?: Set<string>; stepId?: string } = {},
): { record?: CreatedResource; reason?: string } {
  const r = candidate as Partial<SignedRecord> | undefined;
  if (!r || typeof r !== 'object') return { reason: 'not a record' };
  const { task, step, sig, ...plain } = r as any;
  if (
    typeof task !== 'string' ||
    typeof step !== 'string' ||
    typeof sig !== 'string'
  ) {
    return { reason: 'unsigned (not written by the portal’s action wrapper)' };
  }
  if (!signer.verify(canonical(plain), task, step, sig)) {
    return { reason: 'bad signature (forged or altered)' };
  }
  if (expect.taskId !== undefined && task !== expect.taskId) {
    return { reason: `recorded by task ${task}, not ${expect.taskId}` };
  }
  if (expect.stepId !== undefined && step !== expect.stepId) {
    return { reason: `logged by step ${expect.stepId}, signed for ${step}` };
  }
  if (expect.stepIds && !expect.stepIds.has(step)) {
    return { reason: `step ${step} does not run one of the portal's actions` };
  }
  const errors = recordErrors(plain);
  if (errors.length > 0) return { reason: errors.join('; ') };
  return { record: plain as CreatedResource };
}

/**
 * The verified records in a task's log, in order, without duplicates, and what was rejected.
 * A record is accepted only when the action wrapper signed it for this task and for the step
 * that logged it, and that step runs one of the portal's own actions.
 */
export function parseRecords(
  events: Array<{ message: string; stepId?: string }>,
  options: { signer: RecordSigner; taskId: string; stepIds: Set<string> },
): { records: CreatedResource[]; rejected: RejectedRecord[] } {
  const seen = new Set<string>();
  const records: CreatedResource[] = [];
  const rejected: RejectedRecord[] = [];
  const re = new RegExp(`\\[${MARKER} (\\{.*\\})\\]\\s*$`);
  for (const event of events) {
    const match = re.exec(event.message);
    if (!match) continue;
    let candidate: unknown;
    try {
      candidate = JSON.parse(match[1]);
    } catch {
      rejected.push({ reason: 'not JSON', text: match[1].slice(0, 200) });
      continue;
    }
    const { record, reason } = verifyRecord(options.signer, candidate, {
      taskId: options.taskId,
      stepIds: options.stepIds,
      stepId: event.stepId ?? '',
    });
    if (!record) {
      rejected.push({ reason: reason!, text: match[1].slice(0, 200) });
      continue;
    }
    const key = resourceKey(record);
    if (!seen.has(key)) {
      seen.add(key);
      records.push(record);
    }
  }
  return { records, rejected };
}

/** A stable identity for a record (for de-duplication and checkpoint keys). */
export function resourceKey(r: CreatedResource): string {
  switch (r.type) {
    case 'gitlab-project':
      return `gitlab-project:${r.host}:${r.id}`;
    case 'gitlab-access-token':
      return `gitlab-access-token:${r.host}:${r.projectId}:${r.tokenId}`;
    case 'gitlab-deploy-token':
      return `gitlab-deploy-token:${r.host}:${r.projectId}:${r.tokenId}`;
    case 'gitlab-variable':
      return `gitlab-variable:${r.host}:${r.projectId}:${r.key}`;
    case 'gitops-file':
      return `gitops-file:${r.host}:${r.project}:${r.branch}:${r.path}`;
    case 'kubernetes-object':
      return `kubernetes-object:${r.cluster}:${r.apiVersion}:${r.kind}:${
        r.namespace ?? ''
      }:${r.name}`;
    case 'catalog-location':
      return `catalog-location:${r.id}`;
    default:
      return JSON.stringify(r);
  }
}
