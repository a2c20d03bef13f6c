// `npm run zoo [-- NAME... [--epochs N] [--out DIR]]`: trains each named example (all
// of them by default) with its recipe through `dlc train --json`, measures the
// figures, and prints one table. --epochs N overrides every recipe's epoch count
// (and its schedule length) for a quick check. Checkpoints, per-epoch records and
// results.json go to DIR (default dist/zoo).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { figuresOf, type Figures } from './figures';
import { pictureArgs, RECIPES, recipeArgs } from './recipes';
import { runSample, runTrain } from './run';
import { formatTable } from './table';

const USAGE = `usage: npm run zoo [-- NAME... [--epochs N] [--out DIR]]
examples: ${RECIPES.map((r) => r.name).join(', ')}`;

interface Options {
  readonly names: readonly string[];
  readonly epochs?: number;
  readonly out: string;
}

function parse(argv: readonly string[]): Options {
  const names: string[] = [];
  let epochs: number | undefined;
  let out = 'dist/zoo';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--epochs' || a === '--out') {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      if (a === '--out') out = v;
      else if (!/^[1-9][0-9]*$/.test(v)) throw new Error(`--epochs needs a positive integer, got '${v}'`);
      else epochs = Number(v);
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (RECIPES.some((r) => r.name === a)) names.push(a);
    else throw new Error(`unknown example '${a}'\n${USAGE}`);
  }
  return {
    names: names.length > 0 ? names : RECIPES.map((r) => r.name),
    ...(epochs !== undefined ? { epochs } : {}),
    out,
  };
}

interface Row {
  readonly name: string;
  readonly command: string;
  readonly figures: Figures;
  readonly wallSeconds: number;
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  mkdirSync(options.out, { recursive: true });
  const rows: Row[] = [];
  for (const name of options.names) {
    const recipe = RECIPES.find((r) => r.name === name)!;
    const checkpoint = join(options.out, `${name}.safetensors`);
    rmSync(checkpoint, { force: true });
    rmSync(`${checkpoint}.prev`, { force: true });
    const args = recipeArgs(recipe, options.epochs, checkpoint);
    const command = `dlc train ${args.join(' ')}`;
    process.stderr.write(`zoo: ${command}\n`);
    const run = await runTrain(args, (r) => process.stderr.write(`zoo: ${name} ${JSON.stringify(r)}\n`));
    const figures = { ...figuresOf(run.final, recipe.bar), ...recipe.measure?.(checkpoint) };
    writeFileSync(
      join(options.out, `${name}.records.jsonl`),
      run.records.map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
    const picture = pictureArgs(recipe, checkpoint, options.out);
    if (picture) {
      process.stderr.write(`zoo: dlc sample ${picture.join(' ')}\n`);
      await runSample(picture);
    }
    rows.push({ name, command, figures, wallSeconds: run.wallSeconds });
    writeFileSync(join(options.out, 'results.json'), `${JSON.stringify(rows, null, 2)}\n`);
  }
  process.stdout.write(formatTable(rows));
}

main().catch((e: unknown) => {
  process.stderr.write(`zoo: error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
