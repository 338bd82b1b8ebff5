// The one error type of the Nomad client, in a module of its own with no dependencies: code that only needs to
// recognise it (`instanceof NomadError`, then `kind`) loads neither axios nor the HTTP core. http-errors.ts
// translates what went wrong on the wire into one.

export type NomadErrorKind = 'unreachable' | 'tls' | 'forbidden' | 'notFound' | 'badRequest' | 'server' | 'aborted';

/** An error from talking to Nomad, with a message written for the user. */
export class NomadError extends Error {
  constructor(
    readonly kind: NomadErrorKind,
    message: string,
    readonly status?: number,
    readonly body?: string,
  ) {
    super(message);
    this.name = 'NomadError';
  }
}
