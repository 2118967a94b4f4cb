import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as plain JSON. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: any;
};

const conditionsSchema = {
  description: 'Conditions of the resource.',
  type: 'array',
  'x-kubernetes-list-map-keys': ['type'],
  'x-kubernetes-list-type': 'map',
  items: {
    type: 'object',
    required: ['lastTransitionTime', 'reason', 'status', 'type'],
    properties: {
      lastTransitionTime: { type: 'string', format: 'date-time' },
      message: { type: 'string' },
      observedGeneration: { type: 'integer', format: 'int64' },
      reason: { type: 'string' },
      status: { type: 'string' },
      type: { type: 'string' },
    },
  },
};

const nameRef = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string' } },
};
const labelSelector = {
  type: 'object',
  required: ['matchLabels'],
  properties: {
    matchLabels: {
      type: 'object',
      additionalProperties: { type: 'string' },
    },
  },
};

/**
 * The fields Crossplane v2 adds under `spec.crossplane` of a modern (v2) composite resource:
 * which Composition (revision) to use and the references to the composed resources.
 */
const crossplaneSpecProps = {
  type: 'object',
  description:
    'Configures how Crossplane will reconcile this composite resource',
  properties: {
    compositionRef: nameRef,
    compositionRevisionRef: nameRef,
    compositionRevisionSelector: labelSelector,
    compositionSelector: labelSelector,
    compositionUpdatePolicy: {
      type: 'string',
      enum: ['Automatic', 'Manual'],
    },
    resourceRefs: {
      type: 'array',
      'x-kubernetes-list-type': 'atomic',
      items: {
        type: 'object',
        required: ['apiVersion', 'kind'],
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          name: { type: 'string' },
          namespace: { type: 'string' },
        },
      },
    },
  },
};

const printerColumns = [
  {
    name: 'SYNCED',
    type: 'string',
    jsonPath: ".status.conditions[?(@.type=='Synced')].status",
  },
  {
    name: 'READY',
    type: 'string',
    jsonPath: ".status.conditions[?(@.type=='Ready')].status",
  },
  {
    name: 'COMPOSITION',
    type: 'string',
    jsonPath: '.spec.crossplane.compositionRef.name',
  },
  { name: 'AGE', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

/**
 * Derives the CustomResourceDefinition of a composite resource from a Crossplane v2
 * CompositeResourceDefinition, the way Crossplane's xcrd package does when it establishes the
 * XRD: the XRD's spec and status schema merged into Crossplane's base schema, `spec.crossplane`
 * and `status.conditions` added, a status subresource and the SYNCED/READY printer columns.
 * Crossplane itself cannot run on these machines, so the test platform installs this CRD.
 */
export function compositeResourceCrd(xrd: KubeObject): KubeObject {
  if (xrd.apiVersion !== 'apiextensions.crossplane.io/v2') {
    throw new Error(
      `expected an apiextensions.crossplane.io/v2 XRD, got ${xrd.apiVersion}`,
    );
  }
  const spec = xrd.spec;
  const scope = spec.scope ?? 'Namespaced';
  if (scope === 'LegacyCluster') {
    throw new Error(
      'LegacyCluster XRDs keep Crossplane fields at the top of spec; not supported',
    );
  }
  const versions = spec.versions.map((v: any) => {
    const schema = v.schema?.openAPIV3Schema ?? {};
    const xSpec = schema.properties?.spec ?? {};
    const xStatus = schema.properties?.status ?? {};
    const specSchema: any = {
      type: 'object',
      ...(xSpec.description && { description: xSpec.description }),
      ...(xSpec.required && { required: xSpec.required }),
      ...(xSpec['x-kubernetes-validations'] && {
        'x-kubernetes-validations': xSpec['x-kubernetes-validations'],
      }),
      properties: {
        ...(xSpec.properties ?? {}),
        crossplane: crossplaneSpecProps,
      },
    };
    const statusSchema: any = {
      type: 'object',
      ...(xStatus.description && { description: xStatus.description }),
      ...(xStatus.required && { required: xStatus.required }),
      ...(xStatus['x-kubernetes-validations'] && {
        'x-kubernetes-validations': xStatus['x-kubernetes-validations'],
      }),
      properties: {
        ...(xStatus.properties ?? {}),
        conditions: conditionsSchema,
      },
    };
    return {
      name: v.name,
      served: v.served,
      storage: v.referenceable,
      ...(v.deprecated && { deprecated: true }),
      ...(v.deprecationWarning && { deprecationWarning: v.deprecationWarning }),
      additionalPrinterColumns: [
        ...(v.additionalPrinterColumns ?? []),
        ...printerColumns,
      ],
      schema: {
        openAPIV3Schema: {
          type: 'object',
          ...(schema.description && { description: schema.description }),
          required: ['spec'],
          properties: {
            apiVersion: { type: 'string' },
            kind: { type: 'string' },
            metadata: { type: 'object' },
            spec: specSchema,
            status: statusSchema,
          },
        },
      },
      subresources: { status: {} },
    };
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: xrd.metadata.name,
      labels: { ...(xrd.metadata.labels as object), ...spec.metadata?.labels },
    },
    spec: {
      group: spec.group,
      names: {
        ...spec.names,
        listKind: spec.names.listKind ?? `${spec.names.kind}List`,
        singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
        categories: [...(spec.names.categories ?? []), 'composite'],
      },
      scope: scope === 'Cluster' ? 'Cluster' : 'Namespaced',
      versions,
    },
  };
}

/** Parses every document of a multi-document YAML text into objects; a YAML error throws. */
export function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map(doc => {
      if (doc.errors.length > 0) throw doc.errors[0];
      return doc.toJS();
    })
    .filter(Boolean) as KubeObject[];
}
