import type { Command } from 'commander';
import { registerAudit } from './audit.command.js';
import { registerAnalyze } from './analyze.command.js';
import { registerBackup } from './backup.command.js';
import { registerRestore } from './restore.command.js';
import { registerRetention } from './retention.command.js';
import { registerBench } from './bench.command.js';
import { registerModels } from './models.command.js';
import { registerReport } from './report.command.js';
import { registerServe } from './serve.command.js';
import { registerDatasetCommand } from './dataset.command.js';
import { registerEvalCommand } from './eval.command.js';
import { registerSynthCommand } from './synth.command.js';
import { registerUsers } from './users.command.js';

/** Every command registers itself here, one line each. */
export function registerCommands(program: Command): void {
  registerServe(program);
  registerAudit(program);
  registerAnalyze(program);
  registerBench(program);
  registerSynthCommand(program);
  registerReport(program);
  registerDatasetCommand(program);
  registerEvalCommand(program);
  registerBackup(program);
  registerRestore(program);
  registerRetention(program);
  registerModels(program);
  registerUsers(program);
}
