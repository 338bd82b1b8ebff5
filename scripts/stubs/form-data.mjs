// Bundle-time stand-in for the `form-data` package. axios imports it for multipart uploads, which we never send;
// the real one drags in mime-db (134 KB of JSON parsed at every start).
export default class FormData {
  constructor() {
    throw new Error('multipart form data is not supported in this build');
  }
}
