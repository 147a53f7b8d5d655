// Error codes every request may fail with; the renderer shows `message` and may branch on `code`.
export const ERROR_CODES = [
  'invalid_request', // failed validation at the backend boundary
  'unknown_method',
  'not_found',
  'permission_denied', // polkit or file permissions said no
  'conflict', // file changed since it was read, or a job is already running
  'unavailable', // the bus or a service is not reachable right now
  'unsupported_file', // a path is not a regular text file of a sane size, or leads through a symlink we do not follow
  'limit', // a cap was reached (sessions per client or host)
  'cancelled', // an operation was cancelled before it finished
  'failed', // systemd or a command reported a failure
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface RpcErrorShape {
  code: ErrorCode;
  message: string;
  /** Field-level messages for forms, keyed by dotted path. */
  fields?: Record<string, string>;
  /** Extra lines that explain a failure, e.g. the unit's last journal lines. */
  details?: string[];
}

export class RpcError extends Error implements RpcErrorShape {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string>,
    readonly details?: string[],
  ) {
    super(message);
  }

  toJSON(): RpcErrorShape {
    return { code: this.code, message: this.message, fields: this.fields, details: this.details };
  }
}
