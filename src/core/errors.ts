// The one error registry. Every error Boxify reports to a user or an API client is a
// BoxifyError with a code declared here once, with its HTTP status. The daemon turns any
// other thrown value into an internal error (500); the client rebuilds a BoxifyError from
// the status and `{message}` so the CLI can tell a mistake the user can fix from a bug.

export const ERROR_CODES = {
  invalid_argument: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  not_modified: 304,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class BoxifyError extends Error {
  readonly code: ErrorCode;
  /** The request field or configuration key the error is about, when there is one. */
  readonly field?: string;

  constructor(code: ErrorCode, message: string, opts: { field?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BoxifyError';
    this.code = code;
    this.field = opts.field;
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }

  /** A mistake the user can fix (bad input, unknown name, conflict), as opposed to a bug. */
  get isUserError(): boolean {
    return this.status < 500;
  }
}

export function codeForStatus(status: number): ErrorCode {
  for (const [code, s] of Object.entries(ERROR_CODES)) if (s === status) return code as ErrorCode;
  if (status >= 400 && status < 500) return 'invalid_argument';
  return 'internal';
}

// Constructors for the errors that recur, so their wording is the same everywhere
// (the docker CLI matches some of these texts).
export const errors = {
  invalid: (field: string, message: string) =>
    new BoxifyError('invalid_argument', `invalid ${field}: ${message}`, { field }),
  noSuchContainer: (ref: string) => new BoxifyError('not_found', `No such container: ${ref}`),
  noSuchImage: (ref: string) => new BoxifyError('not_found', `No such image: ${ref}`),
  noSuchExec: (ref: string) => new BoxifyError('not_found', `No such exec instance: ${ref}`),
  noSuchVolume: (ref: string) => new BoxifyError('not_found', `get ${ref}: no such volume`),
  notFound: (what: string) => new BoxifyError('not_found', what),
  nameInUse: (name: string, id: string) =>
    new BoxifyError(
      'conflict',
      `Conflict. The container name "/${name}" is already in use by container "${id}". ` +
        'You have to remove (or rename) that container to be able to reuse that name.',
      { field: 'name' },
    ),
  ambiguous: (ref: string) =>
    new BoxifyError('not_found', `multiple containers match "${ref}": use more characters of the ID or the name`),
  conflict: (message: string) => new BoxifyError('conflict', message),
  notRunning: (id: string) => new BoxifyError('conflict', `Container ${id} is not running`),
  notModified: (message: string) => new BoxifyError('not_modified', message),
  internal: (message: string, cause?: unknown) => new BoxifyError('internal', message, { cause }),
};

/** Wraps a failed system call or command with the operation, path and errno text. */
export function sysError(op: string, target: string, cause: unknown): BoxifyError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new BoxifyError('internal', `${op} ${target}: ${detail}`, { cause });
}

export function toBoxifyError(err: unknown): BoxifyError {
  if (err instanceof BoxifyError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new BoxifyError('internal', message, { cause: err });
}
