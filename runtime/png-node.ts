// Node-only: PNG files, compressed with zlib and written atomically (temp file, then
// rename) so a viewer refreshing a plot during training never sees half a file.
import { renameSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { encodePng, type RgbaImage } from './png';

export function writePng(path: string, img: RgbaImage): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(
    tmp,
    encodePng(img, (raw) => deflateSync(raw)),
  );
  renameSync(tmp, path);
}
