import type { ReactNode } from 'react';
import { usePermission } from '@backstage/plugin-permission-react';

/** A permission that is not about one resource, e.g. `taskCreatePermission`. */
type BasicPermission = Extract<
  Parameters<typeof usePermission>[0],
  { resourceRef?: never }
>['permission'];

/** Props of {@link IfAllowed}. */
export type IfAllowedProps = {
  permission: BasicPermission;
  children: ReactNode;
  /** Shown while the decision loads and when it is a refusal. */
  otherwise?: ReactNode;
};

/**
 * Shows `children` only to users the permission policy allows `permission`. It hides what the
 * user cannot do; the backend refuses it anyway, so this is about not offering dead ends.
 */
export function IfAllowed(props: IfAllowedProps) {
  const { allowed } = usePermission({ permission: props.permission });
  return <>{allowed ? props.children : props.otherwise ?? null}</>;
}
