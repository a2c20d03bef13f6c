// Random-graph differential test, shard 4 of 4 (125 graphs; 500 over the four files).
import { describe } from 'vitest';
import { randomShard } from './random-shard';

describe('random graphs at -O0 and -O2 on the device', () => randomShard(4, 5, 25));
