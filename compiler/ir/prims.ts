// The registry ops that the IR core itself builds with (constants for gradient
// seeds, the sum and reshape of unbroadcasting, accumulation of gradients). Named
// once here so the builder, autodiff and the optimizers agree on them.
export const constantOp = 'constant';
export const sumOp = 'sum';
export const reshapeOp = 'reshape';
export const addOp = 'add';
