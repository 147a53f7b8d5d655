// File-system failures as typed errors that name the file the way the user knows it
// ("/etc/systemd/network/x.network in db"), never the /proc/self/fd/... path we reached it by.
import { RpcError } from '../../shared/errors.js';

export function unsupported(message: string): RpcError {
  return new RpcError('unsupported_file', message);
}

export function fileError(e: unknown, where: string): RpcError {
  if (e instanceof RpcError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new RpcError('permission_denied', `${where}: permission denied`);
    case 'EROFS':
      return new RpcError('permission_denied', `${where}: read-only file system`);
    case 'ENOSPC':
    case 'EDQUOT':
      return new RpcError('failed', `${where}: no space left on the device`);
    case 'ELOOP':
      return unsupported(`${where} turned into a symbolic link while it was used; not followed`);
    case 'ENOTDIR':
      return unsupported(`${where}: a directory on the way is not a directory`);
    case 'EISDIR':
      return unsupported(`${where} is a directory, not a regular file`);
    case 'ENOENT':
      return new RpcError('not_found', `${where} does not exist`);
    case 'EEXIST':
      return new RpcError('conflict', `${where} appeared while it was being written; try again`);
    default:
      return new RpcError('failed', `${where}: ${code ?? (e instanceof Error ? e.message : String(e))}`);
  }
}
