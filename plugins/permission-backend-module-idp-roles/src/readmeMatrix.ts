import { matrixMarkdown } from './matrix';

/** The markers around the generated table in the README. @public */
export const MATRIX_BEGIN =
  '<!-- permission-matrix:begin (generated from plugins/permission-backend-module-idp-roles/src/matrix.ts by `yarn access-matrix`; do not edit) -->';
/** @public */
export const MATRIX_END = '<!-- permission-matrix:end -->';

/**
 * The README with the generated matrix between its markers. `format` is the repository's
 * Markdown formatter (prettier), so the result is byte for byte what is committed.
 *
 * @public
 */
export async function readmeWithMatrix(
  readme: string,
  format: (markdown: string) => Promise<string>,
): Promise<string> {
  const begin = readme.indexOf(MATRIX_BEGIN);
  const end = readme.indexOf(MATRIX_END);
  if (begin < 0 || end < begin) {
    throw new Error(
      `README.md has no permission matrix markers (${MATRIX_BEGIN} … ${MATRIX_END})`,
    );
  }
  return format(
    `${readme.slice(
      0,
      begin,
    )}${MATRIX_BEGIN}\n\n${matrixMarkdown()}\n\n${readme.slice(end)}`,
  );
}
