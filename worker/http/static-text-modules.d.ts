// Text modules (wrangler's default `**/*.txt` rule): the browser files staged by scripts/assets/stage-static-files.ts.
declare module "*.txt" {
  const text: string;
  export default text;
}
