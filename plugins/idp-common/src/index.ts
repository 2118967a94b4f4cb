/**
 * The IDP portal's rules that its frontend and backend both apply: the naming rules and the
 * labels and annotations the golden paths write and the views read. One implementation, so a
 * form field cannot accept a name the actions refuse and the deployment view looks for what the
 * backend reads.
 *
 * @packageDocumentation
 */
export * from './naming';
export * from './annotations';
