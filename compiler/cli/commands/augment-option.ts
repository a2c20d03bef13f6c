// `dlc train --augment SPEC`: parsing, and the rule that a resumed run keeps the
// augmentation its checkpoint was trained with.
import { DlcError } from '../../../runtime/errors';
import { formatAugment, parseAugment, type Augment } from '../../../runtime/data/augment';

export function parseAugmentFlag(raw: string | undefined): Augment | undefined {
  return raw === undefined ? undefined : parseAugment(raw);
}

/** The run's augmentation: the flag's, or a resumed checkpoint's; a flag that differs from the checkpoint's is refused. */
export function chooseAugment(
  given: Augment | undefined,
  saved: { readonly augment?: string } | undefined,
  checkpoint: string | undefined,
): Augment | undefined {
  if (!saved) return given;
  if (given !== undefined && formatAugment(given) !== saved.augment) {
    const was = saved.augment === undefined ? 'without --augment' : `with --augment ${saved.augment}`;
    throw new DlcError(
      `${checkpoint} was trained ${was}, not --augment ${formatAugment(given)}; resuming needs the same`,
      2,
    );
  }
  return saved.augment === undefined ? undefined : parseAugment(saved.augment);
}
