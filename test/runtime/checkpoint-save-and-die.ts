// Child process for checkpoint-crash.test.ts: saves generation GEN of the test
// checkpoint to PATH and SIGKILLs itself right after save stage STAGE.
import { writeCheckpoint, type SaveStage } from '../../runtime/checkpoint/file-node';
import { checkpoint } from './checkpoint-helpers';

const [path, gen, stage] = process.argv.slice(2) as [string, string, SaveStage];
writeCheckpoint(path, checkpoint(Number(gen)), (s) => {
  if (s === stage) process.kill(process.pid, 'SIGKILL');
});
