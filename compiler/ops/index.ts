// Importing this module registers every op. One line per op family file.
import './elementwise';
import './matmul';
