/**
 * Command-line options of the bench scripts: `--json` (one JSON object instead of a report) and `--name value`
 * pairs, read from `argv` (default: this process's arguments after the script).
 */
export function benchArgs(argv: readonly string[] = process.argv.slice(2)) {
  const str = (name: string, dflt: string): string => {
    const k = argv.indexOf(name);
    return k >= 0 && k + 1 < argv.length ? argv[k + 1]! : dflt;
  };
  return {
    json: argv.includes('--json'),
    /** the value after `name`, or `dflt` */
    str,
    /** the value after `name` as a number (`Number(…)`), or `dflt` */
    num: (name: string, dflt: number): number => Number(str(name, String(dflt))),
  };
}
