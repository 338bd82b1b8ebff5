// Bundle-time stand-in for optional packages that libraries load inside try/catch when present: bufferutil and
// utf-8-validate (ws) and supports-color (debug). We ship none of them. In the single executable the embedded
// require() loads only Node built-ins and prints a warning on every other name, so the names are bundled to this
// module instead, which fails the way a missing package does and keeps those libraries on their JS code paths.
const err = new Error('optional package not bundled in the single executable');
err.code = 'MODULE_NOT_FOUND';
throw err;
