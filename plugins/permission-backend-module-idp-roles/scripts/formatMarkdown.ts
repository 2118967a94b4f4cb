/** The part of prettier 2's API we use (it ships no types of its own). */
type Prettier = {
  resolveConfig(filepath: string): Promise<object | null>;
  format(source: string, options: object): string;
};

/**
 * Formats Markdown the way the repository's `prettier --check` expects, so the generated README
 * is byte for byte what is committed. Only the generator and its test use it.
 */
export async function formatMarkdown(
  markdown: string,
  filepath: string,
): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const prettier: Prettier = require('prettier');
  const options = (await prettier.resolveConfig(filepath)) ?? {};
  return prettier.format(markdown, {
    ...options,
    filepath,
    parser: 'markdown',
  });
}
