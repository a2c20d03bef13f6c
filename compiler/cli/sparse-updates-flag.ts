// `--sparse-updates exact|lazy|off` (compile, ir, train): how params read only
// through `gather` are updated (compiler/optim/sparse-rows.ts). Absent: the
// lowering's default, 'exact'. The usage line below is the commands' shared text.
import { DlcError } from '../../runtime/errors';
import { SPARSE_UPDATE_MODES, type SparseUpdates } from '../optim/sparse-rows';

export const SPARSE_UPDATES_USAGE = `  --sparse-updates M  params read only through gather (embedding tables): exact
                       (default) updates only the gathered rows where that equals the
                       dense update bit for bit (plain SGD, AdaGrad); lazy also for
                       momentum, RMSprop and Adam, leaving the state of rows not
                       gathered in a step as it is; off: every update dense`;

/** The value of `--sparse-updates`, or undefined when it was not given. */
export function parseSparseUpdatesFlag(raw: string | undefined): SparseUpdates | undefined {
  if (raw === undefined) return undefined;
  if ((SPARSE_UPDATE_MODES as readonly string[]).includes(raw)) return raw as SparseUpdates;
  throw new DlcError(`--sparse-updates must be one of ${SPARSE_UPDATE_MODES.join(', ')}, got '${raw}'`, 2);
}
