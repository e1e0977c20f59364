// The one error type of config loading: every problem found, each with where it is. Anything that
// reads a config (run, `config check`, reload) gets this and nothing else for a bad file.

export interface ConfigIssue {
  /** The config file, or `env NAME` for an environment override. */
  file: string;
  line: number;
  col: number;
  /** Dotted key path, e.g. mqtt.url or buttons.keys.2 */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

export const formatIssue = (i: ConfigIssue): string => `${i.file}:${i.line}:${i.col} ${i.path || '(root)'}: ${i.message}`;
