// What a CLI subcommand gets: the loaded config, a logger and where to write. Subcommands live
// next to what they drive (e.g. drivers/printer/cli.ts) and are dispatched by device/main.ts.
import type { Config } from './schema.ts';
import type { Logger } from '../core/logger.ts';

export interface CliContext {
  config: Config;
  /** Path of the config file that was loaded (for messages). */
  configPath: string;
  logger: Logger;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Base URL of the running service's local API (http://127.0.0.1:<port>), to reach a device it owns. */
  apiBase: string;
  /** Resolves after SIGINT/SIGTERM, for long-running subcommands such as `hw buttons`. */
  interrupted: Promise<void>;
}

/** A subcommand returns the process exit code. */
export type CliCommand = (args: string[], ctx: CliContext) => Promise<number>;

/** The value after `--name` in a subcommand's arguments; undefined when absent, an error when it has none. */
export function cliOption(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}
