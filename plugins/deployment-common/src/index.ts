/**
 * Shared types and permissions of the deployment view.
 *
 * @packageDocumentation
 */
export * from './types';
export * from './permissions';
