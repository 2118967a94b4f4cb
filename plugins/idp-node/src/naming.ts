/**
 * The naming rules and the labels and annotations live in `@internal/plugin-idp-common`, so the
 * frontend applies the same ones; they are re-exported here so the backend plugins keep
 * importing everything they share from `@internal/plugin-idp-node`.
 */
export * from '@internal/plugin-idp-common';
