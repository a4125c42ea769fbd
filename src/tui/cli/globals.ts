// The options before the subcommand: -H/--host unix://PATH, -v/--version, --help.
import { UsageError } from './args.js';

export interface Globals {
  socketPath?: string;
  rest: string[];
  version: boolean;
}

export function parseGlobals(argv: string[]): Globals {
  const g: Globals = { rest: [], version: false };
  let i = 0;
  const socketOf = (v: string | undefined, flag: string) => {
    if (!v) throw new UsageError(`flag needs an argument: ${flag}`);
    if (v.startsWith('unix://')) return v.slice('unix://'.length);
    if (v.includes('://')) throw new UsageError(`invalid argument "${v}" for ${flag}: boxifyd listens on a Unix socket: use unix:///path/to/boxify.sock`);
    return v;
  };
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '-H' || a === '--host' || a === '--socket') {
      g.socketPath = socketOf(argv[i + 1], a);
      i += 2;
    } else if (a.startsWith('--host=') || a.startsWith('--socket=')) {
      g.socketPath = socketOf(a.slice(a.indexOf('=') + 1), a.slice(0, a.indexOf('=')));
      i += 1;
    } else if (a === '-v' || a === '--version') {
      g.version = true;
      i += 1;
    } else if (a === '-h' || a === '--help') {
      g.rest = ['help'];
      return g;
    } else if (a.startsWith('-') && a !== '-') {
      throw new UsageError(`unknown flag: ${a}`);
    } else {
      break;
    }
  }
  g.rest = argv.slice(i);
  return g;
}
