// `counter-edge config check FILE` and the config load of `run`: the same function decides for
// both (loadConfigFile), so a config that passes the check is never refused by run for its values,
// and every refusal is printed as file:line:col key.path: message.
import { loadConfigFile, ConfigError, formatIssue, type LoadedConfig } from '../config/loader.ts';

/** Loads the config for any command; prints every problem and returns undefined when it is refused. */
export async function loadOrReport(path: string, env: NodeJS.ProcessEnv, err: (line: string) => void): Promise<LoadedConfig | undefined> {
  try {
    return await loadConfigFile(path, env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e; // a bug, not a bad file: let it show its stack
    for (const i of e.issues) err(formatIssue(i));
    return undefined;
  }
}

/** `config check`: exit 1 with every problem on stderr, or exit 0 with one summary line. */
export async function configCheck(file: string, env: NodeJS.ProcessEnv, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const loaded = await loadOrReport(file, env, err);
  if (!loaded) return 1;
  const c = loaded.config;
  const parts = (['buttons', 'fingerprint', 'printer', 'eink'] as const).map((k) => `${k}=${c[k].enabled ? c[k].backend : 'off'}`);
  out(`${file}: ok — window ${c.window.hall}/${c.window.id}, mqtt ${(c.mqtt.urls ?? [c.mqtt.url]).join(' ')} (${c.mqtt.protocol_version === 'auto' ? 'MQTT 5 or 3.1.1' : c.mqtt.protocol_version === 5 ? 'v5' : 'v3.1.1'}), ${parts.join(' ')}, hash ${loaded.hash}`);
  return 0;
}
