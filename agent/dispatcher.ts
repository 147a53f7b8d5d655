// The backend boundary: every request is validated against the contract before a handler runs,
// and every failure leaves as a typed RpcError.
import type { z } from 'zod';
import { requests, type Method, type Output, type ParsedInput } from '../shared/contract.js';
import { RpcError, type RpcErrorShape } from '../shared/errors.js';

export type Handlers = { [M in Method]: (input: ParsedInput<M>) => Promise<Output<M>> };

export type DispatchResult = { ok: true; result: unknown } | { ok: false; error: RpcErrorShape };

function fieldErrors(err: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of err.issues) {
    const key = issue.path.join('.') || '(request)';
    out[key] ??= issue.message;
  }
  return out;
}

export function toRpcError(e: unknown): RpcError {
  if (e instanceof RpcError) return e;
  const name = (e as { dbusName?: string }).dbusName;
  const msg = e instanceof Error ? e.message : String(e);
  if (name) {
    if (/AccessDenied|InteractiveAuthorizationRequired|NotAuthorized/.test(name)) {
      return new RpcError('permission_denied', `Not authorized: ${msg}`);
    }
    if (/NoSuchMachine|NoSuchUnit|NoSuchImage/.test(name)) return new RpcError('not_found', msg);
    // The service is not on the bus and cannot be activated (masked, failing): nothing is missing but it.
    if (/ServiceUnknown|NameHasNoOwner|UnitMasked|Spawn\.|ServiceNotFound/.test(name)) return new RpcError('unavailable', `${msg} (the service is not running)`);
    if (/Disconnected|NoReply|Timeout/.test(name)) return new RpcError('unavailable', msg);
    return new RpcError('failed', msg);
  }
  const errno = (e as NodeJS.ErrnoException).code;
  if (errno === 'ENOSPC' || errno === 'EDQUOT') return new RpcError('failed', `no space left on the device: ${msg}`);
  if (errno === 'EACCES' || errno === 'EPERM') return new RpcError('permission_denied', msg);
  if (errno === 'EROFS') return new RpcError('permission_denied', `read-only file system: ${msg}`);
  return new RpcError('internal', msg);
}

export class Dispatcher {
  constructor(private readonly handlers: Handlers) {}

  async dispatch(method: unknown, params: unknown): Promise<DispatchResult> {
    if (typeof method !== 'string' || !Object.prototype.hasOwnProperty.call(requests, method)) {
      return { ok: false, error: new RpcError('unknown_method', `unknown method: ${String(method).slice(0, 80)}`).toJSON() };
    }
    const m = method as Method;
    const parsed = requests[m].input.safeParse(params ?? {});
    if (!parsed.success) {
      const fields = fieldErrors(parsed.error);
      const first = Object.entries(fields)[0];
      return {
        ok: false,
        error: new RpcError('invalid_request', `invalid ${m}: ${first[0]}: ${first[1]}`, fields).toJSON(),
      };
    }
    try {
      const handler = this.handlers[m] as (i: unknown) => Promise<unknown>;
      const result = await handler(parsed.data);
      return { ok: true, result };
    } catch (e) {
      return { ok: false, error: toRpcError(e).toJSON() };
    }
  }
}
