// Bundle-time stand-in for axios's fetch adapter. We always use its Node http adapter; the fetch one probes
// fetch/Request/Response at import time, which loads Node's whole fetch implementation (undici) on every start.
export const getFetch = () => false;
export default false;
