import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { KubeObject } from '../kube/compositeResourceCrd';
import { packageDir } from '../paths';

/** A fake Node kwok manages (no kubelet): what the scheduler sees of it. */
export interface FakeNode {
  name: string;
  /** Allocatable CPU, e.g. `8`. */
  cpu: string;
  /** Allocatable memory, e.g. `16Gi`. */
  memory: string;
  /** Allocatable pods (default 110, the kubelet's default). */
  pods?: string;
  /** Allocatable ephemeral storage (default 100Gi). */
  ephemeralStorage?: string;
}

/** One Node of 8 CPU and 16 GiB: holds every preset's quota at once. */
export const DEFAULT_FAKE_NODES: FakeNode[] = [
  { name: 'kwok-node-0', cpu: '8', memory: '16Gi' },
];

/** The annotation kwok is told to manage Nodes by (`--manage-nodes-with-annotation-selector`). */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

/** Pod IPs kwok hands out; outside the apiserver's service range 10.0.0.0/24. */
export const KWOK_POD_CIDR = '10.244.0.1/16';

/** The image substrings of packages/test-platform/kwok/fault-stages.yaml. */
export const FAULT_IMAGE_PATTERN = 'does-not-exist|crashloop|oomkill';

/**
 * Node objects as a kubelet registers them (capacity and allocatable in the status the create
 * keeps), annotated for kwok. kwok's node-initialize Stage keeps this allocatable and adds the
 * Ready condition, addresses and node info; the node lifecycle controller then lifts the
 * `node.kubernetes.io/not-ready` taint the apiserver's TaintNodesByCondition admission put on.
 */
export function fakeNodeObjects(nodes: FakeNode[]): KubeObject[] {
  return nodes.map((node, i) => {
    const resources = {
      cpu: node.cpu,
      memory: node.memory,
      pods: node.pods ?? '110',
      'ephemeral-storage': node.ephemeralStorage ?? '100Gi',
    };
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: node.name,
        annotations: {
          [KWOK_NODE_ANNOTATION]: 'fake',
          'node.alpha.kubernetes.io/ttl': '0',
        },
        labels: {
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/hostname': node.name,
          'kubernetes.io/os': 'linux',
          'node-role.kubernetes.io/agent': '',
          type: 'kwok',
        },
      },
      spec: {},
      status: {
        capacity: resources,
        allocatable: resources,
        addresses: [
          { type: 'InternalIP', address: `10.1.0.${i + 1}` },
          { type: 'Hostname', address: node.name },
        ],
      },
    };
  });
}

function readStages(file: string): KubeObject[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map(doc => doc.toJS())
    .filter(Boolean);
}

/**
 * kwok's configuration file: its options, kwok's own default Stages (copied from the kwok
 * module by scripts/build-controllers.sh) and the platform's fault Stages
 * (packages/test-platform/kwok/fault-stages.yaml). kwok chooses among the Stages that match a
 * pod at random by weight, not in order, so its pod-ready Stage gets one more condition: the
 * pod has no fault image.
 */
export function kwokConfig(stageDir: string): string {
  const own = fs
    .readdirSync(stageDir)
    .filter(f => f.endsWith('.yaml'))
    .sort()
    .flatMap(f => readStages(path.join(stageDir, f)));
  const ready = own.find(s => s.metadata.name === 'pod-ready');
  if (!ready) throw new Error(`kwok's pod-ready Stage is not in ${stageDir}`);
  ready.spec.selector.matchExpressions.push({
    key: `[.spec.containers[].image | test("${FAULT_IMAGE_PATTERN}")] | any`,
    operator: 'NotIn',
    values: ['true'],
  });
  const faults = readStages(
    path.join(packageDir(), 'kwok', 'fault-stages.yaml'),
  );
  const configuration = {
    apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
    kind: 'KwokConfiguration',
    options: {
      manageAllNodes: false,
      manageNodesWithAnnotationSelector: `${KWOK_NODE_ANNOTATION}=fake`,
      cidr: KWOK_POD_CIDR,
      nodeIP: '10.1.0.1',
      nodeLeaseDurationSeconds: 40,
    },
  };
  return [configuration, ...own, ...faults]
    .map(doc => stringify(doc))
    .join('---\n');
}
