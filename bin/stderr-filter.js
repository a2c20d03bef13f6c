// Drops the two warnings Dawn's OpenGL ES backend prints to stderr from native code
// whenever an adapter is requested ("maxDynamic...artificially reduced ... to fit
// dynamic offset allocation limit"). They come before any device request, so no
// device-descriptor limit avoids them, and native writes to fd 2 cannot be hooked
// from JavaScript: bin/dlc.js runs the CLI as a child whose stderr passes through here.

/** One line of the warnings: the only lines dropped. */
export const DAWN_LIMIT_WARNING =
  /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;
const PREFIX = 'Warning: maxDynamic';

/**
 * A filter over the text of a stream: `push(chunk)` returns what to forward now.
 * Complete lines are forwarded unless they are the warning; a partial line is held
 * only while it could still become one, so progress bars drawn with `\r` pass at once.
 */
export function createStderrFilter() {
  let held = '';
  return {
    push(chunk) {
      let text = held + chunk;
      held = '';
      let out = '';
      for (;;) {
        const nl = text.indexOf('\n');
        if (nl < 0) break;
        const line = text.slice(0, nl);
        if (!DAWN_LIMIT_WARNING.test(line)) out += `${line}\n`;
        text = text.slice(nl + 1);
      }
      const couldBeWarning = text.length < PREFIX.length ? PREFIX.startsWith(text) : text.startsWith(PREFIX);
      if (text && couldBeWarning) held = text;
      else out += text;
      return out;
    },
    /** What is held at the end of the stream. */
    flush() {
      const rest = held;
      held = '';
      return rest;
    },
  };
}
