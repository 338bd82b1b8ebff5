// Bundle-time stand-in for the `debug` package, which follow-redirects, agent-base and https-proxy-agent (axios's
// dependencies) call at import time to make their loggers: the real one then reads tty and the environment for
// colours, ~5 ms of every cold start for loggers that stay silent. Here a logger is a no-op unless DEBUG is set,
// in which case the real package is loaded (bundled, by its path, so this alias does not catch it) and used as ever.
function createDebug(namespace) {
  if (process.env.DEBUG) return require('../../node_modules/debug/src/index.js')(namespace);
  const log = () => {};
  log.enabled = false;
  log.namespace = namespace;
  log.extend = (sub, delimiter = ':') => createDebug(`${namespace}${delimiter}${sub}`);
  return log;
}
module.exports = createDebug;
