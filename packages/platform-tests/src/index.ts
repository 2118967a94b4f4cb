/**
 * Tests of the platform manifests (platform/) and the helpers they use: crank render with the
 * real Composition functions, built by scripts/build-crossplane.sh.
 *
 * @packageDocumentation
 */
export * from './crossplane';
export * from './apiserver';
