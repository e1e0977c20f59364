// Technician subcommands, each living next to what it drives. Keys are "<cmd> <sub>" or "<cmd>".
import type { CliCommand } from '../config/cli-context.ts';
import { runHwButtons } from '../drivers/buttons/cli.ts';
import { runFingerprintCli, runHwFingerprint } from '../drivers/fingerprint/cli.ts';
import { runNameplateCli } from './nameplate-cli.ts';
import { runPrintCli } from '../drivers/printer/cli.ts';
import { mqttCheckCommand } from '../sync/mqtt-cli.ts';
import { runPaperCli } from './paper-cli.ts';

export const cliCommands: Record<string, CliCommand> = {
  'hw buttons': runHwButtons,
  'hw fingerprint': runHwFingerprint,
  fingerprint: runFingerprintCli,
  nameplate: runNameplateCli,
  print: runPrintCli,
  'mqtt check': mqttCheckCommand,
  paper: runPaperCli,
};
