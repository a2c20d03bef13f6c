// The standard layer prelude, written in .dl and merged into every program
// before the user's files. Kept as a string constant so that vitest, tsc and the
// esbuild bundle all see it without file-system access; its spans say `prelude.dl`.

export const PRELUDE_FILE = 'prelude.dl';

export const PRELUDE_SOURCE = `// dlc standard layers

layer dense(n_in, n_out) {
  param W: f32[n_in, n_out] = glorot_uniform
  param b: f32[n_out] = zeros
  (x) => x @ W + b
}

// NCHW input, OIHW weights; c_in must be divisible by groups.
layer conv(c_in, c_out, k, stride = 1, padding = 0, groups = 1) {
  param W: f32[c_out, c_in / groups, k, k] = he_normal
  param b: f32[c_out] = zeros
  (x) => conv2d(x, W, stride = stride, padding = padding, groups = groups) + reshape(b, [1, c_out, 1, 1])
}

// Goodfellow et al. 2013: the max over \`pieces\` affine pieces per unit.
layer maxout(n_in, n_out, pieces = 2) {
  param W: f32[n_in, n_out * pieces] = glorot_uniform
  param b: f32[n_out * pieces] = zeros
  (x) => max(reshape(x @ W + b, [-1, n_out, pieces]), axis = 2)
}

layer embedding(vocab, dim) {
  param E: f32[vocab, dim] = normal(0, 0.01)
  (ids) => gather(E, ids)
}

// h' = tanh(x W + h U + b)
layer rnn_tanh(n_in, n_hidden) {
  param W: f32[n_in, n_hidden] = glorot_uniform
  param U: f32[n_hidden, n_hidden] = orthogonal
  param b: f32[n_hidden] = zeros
  (x, h) => tanh(x @ W + h @ U + b)
}

// Gates in the order input, forget, cell, output; returns the new h and c.
layer lstm(n_in, n_hidden) {
  param W: f32[n_in, 4 * n_hidden] = glorot_uniform
  param U: f32[n_hidden, 4 * n_hidden] = orthogonal
  param b: f32[4 * n_hidden] = zeros
  (x, h, c) {
    z = x @ W + h @ U + b
    i = sigmoid(z[:, 0:n_hidden])
    f = sigmoid(z[:, n_hidden:2 * n_hidden])
    g = tanh(z[:, 2 * n_hidden:3 * n_hidden])
    o = sigmoid(z[:, 3 * n_hidden:4 * n_hidden])
    c2 = f * c + i * g
    return o * tanh(c2), c2
  }
}

// Gates in the order update, reset; then the candidate.
layer gru(n_in, n_hidden) {
  param W: f32[n_in, 3 * n_hidden] = glorot_uniform
  param U: f32[n_hidden, 2 * n_hidden] = orthogonal
  param Uh: f32[n_hidden, n_hidden] = orthogonal
  param b: f32[3 * n_hidden] = zeros
  (x, h) {
    zx = x @ W + b
    zh = h @ U
    u = sigmoid(zx[:, 0:n_hidden] + zh[:, 0:n_hidden])
    r = sigmoid(zx[:, n_hidden:2 * n_hidden] + zh[:, n_hidden:2 * n_hidden])
    cand = tanh(zx[:, 2 * n_hidden:3 * n_hidden] + (r * h) @ Uh)
    return (1 - u) * h + u * cand
  }
}

// Local response normalisation across channels (Krizhevsky et al. 2012).
layer lrn(size = 5, alpha = 1e-4, beta = 0.75, k = 2) {
  (x) => local_response_norm(x, size, alpha = alpha, beta = beta, k = k)
}

// Local contrast normalisation (Jarrett et al. 2009), gaussian window.
layer lcn(size = 9, sigma = 2) {
  (x) => local_contrast_norm(x, size, sigma = sigma)
}
`;
