// Importing this module registers every op. One line per op family file.
import './elementwise';
import './matmul';
import './conv';
import './constant';
import './iota';
import './literal';
import './sort';
import './reduction';
import './softmax';
import './loss';
import './shape';
import './index-ops';
import './random';
import './pool';
import './norm';
import './control';
import './fused';
