// Random-graph differential test, shard 3 of 4 (125 graphs; 500 over the four files).
import { describe } from 'vitest';
import { randomShard } from './random-shard';

describe('random graphs at -O0 and -O2 on the device', () => randomShard(3, 5, 25));
