/**
 * The request header that names the sample user local mode's `local` provider signs in as, e.g.
 * `x-idp-local-user: user:default/priya.sharma` (the sign-in page sets it from the user picked).
 *
 * @public
 */
export const LOCAL_USER_HEADER = 'x-idp-local-user';
