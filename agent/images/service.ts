// machined's images and their changes, all through machine1 (never hand-made file operations on
// image trees). Changes run as operations: a clone on a non-btrfs file system copies the whole
// tree, far past D-Bus's 25 s default, so those calls wait as long as machined works.
import { EventEmitter } from 'node:events';
import { uint64, type Bus } from '../dbus/bus.js';
import type { Image, ImageOpRequest, RemovalPlan } from '../../shared/images.js';
import { RpcError } from '../../shared/errors.js';
import { imageTypes, M1, M1_MANAGER, M1_PATH } from '../machines/facts.js';
import type { OpContext } from '../ops/service.js';
import { ownedFiles, removeOwnedFiles } from './owned-files.js';
import { log } from '../proc.js';

const M1_IMAGE = `${M1}.Image`;
/** A machined call that copies or deletes a tree: bounded, but by hours, not seconds. */
const LONG_CALL_MS = 6 * 3600_000;

/** A time from machined (µs) in ms; 0 and UINT64_MAX mean unknown. */
const timeOf = (v: unknown) => {
  const us = uint64(v);
  return us ? us / 1000 : undefined;
};

export type ImageChange = Exclude<ImageOpRequest, { kind: 'image.pull' } | { kind: 'image.import' }>;

export class ImageService extends EventEmitter {
  constructor(private readonly bus: () => Bus) {
    super();
  }

  /** Registered with machined now (the list may lag a stop by a moment; machined does not). */
  private async running(name: string): Promise<boolean> {
    const [rows] = await this.bus().call(M1, M1_PATH, M1_MANAGER, 'ListMachines');
    return (rows as [string][]).some(([n]) => n === name);
  }

  async list(): Promise<Image[]> {
    const bus = this.bus();
    const [rows] = await bus.call(M1, M1_PATH, M1_MANAGER, 'ListImages');
    // As machinectl list-images without --all: ".host" (the host's own root) and hidden images are not containers' images.
    const images = (rows as [string, string, boolean, unknown, unknown, unknown, string][]).filter(([name]) => !name.startsWith('.')).map(([name, type, readOnly, crtime, mtime, usage, path]) => ({
      name, type, readOnly,
      createdAt: timeOf(crtime),
      modifiedAt: timeOf(mtime),
      usage: uint64(usage),
      object: path,
    }));
    // ListImages has no limit or path: each image's object has them. An image removed meanwhile
    // keeps them unknown.
    return Promise.all(images.map(async ({ object, ...img }): Promise<Image> => {
      try {
        const p = await bus.getAllProperties(M1, object, M1_IMAGE);
        return { ...img, limit: uint64(p.Limit), path: typeof p.Path === 'string' ? p.Path : undefined };
      } catch (e) {
        // Removed since ListImages, or machined busy: its limit and path are unknown, not absent.
        log(`image ${img.name}: properties not read (${(e as Error).message})`);
        return img;
      }
    }));
  }

  /** The images again, to every window (after a change or a transfer). */
  async announce(): Promise<void> {
    this.emit('changed', await this.list());
  }

  async removalPlan(name: string): Promise<RemovalPlan> {
    await this.requireImage(name);
    return { name, running: await this.running(name), files: ownedFiles(name) };
  }

  private async requireImage(name: string): Promise<void> {
    if (!(await imageTypes(this.bus())).has(name)) throw new RpcError('not_found', `there is no image ${name}`);
  }

  /** What an operation does to an image; the list is announced when it ends, whatever the end. */
  async change(r: ImageChange, ctx: OpContext): Promise<void> {
    const bus = this.bus();
    const call = (member: string, sig: string, body: unknown[], timeoutMs = 60_000) =>
      bus.call(M1, M1_PATH, M1_MANAGER, member, sig, body, { interactive: true, timeoutMs });
    try {
      switch (r.kind) {
        case 'image.clone':
          await this.refuseClash(r.newName);
          ctx.progress(`copying ${r.name} to ${r.newName} (a snapshot on btrfs, a full copy elsewhere)`);
          await call('CloneImage', 'ssb', [r.name, r.newName, r.readOnly], LONG_CALL_MS);
          break;
        case 'image.rename':
          if (await this.running(r.name)) throw new RpcError('conflict', `${r.name} is running: stop it before renaming its image`);
          await this.refuseClash(r.newName);
          await call('RenameImage', 'ss', [r.name, r.newName]);
          break;
        case 'image.readOnly':
          await call('MarkImageReadOnly', 'sb', [r.name, r.readOnly]);
          break;
        case 'image.limit':
          await call('SetImageLimit', 'st', [r.name, BigInt(r.bytes)]);
          break;
        case 'image.remove': {
          if (await this.running(r.name)) throw new RpcError('conflict', `${r.name} is running: stop it before removing its image`);
          const files = ownedFiles(r.name);
          ctx.progress(`removing ${r.name}`);
          await call('RemoveImage', 's', [r.name], LONG_CALL_MS);
          if (files.length) {
            ctx.progress(`removing ${files.join(', ')}`);
            removeOwnedFiles(files);
          }
          break;
        }
      }
    } finally {
      await this.announce().catch((e: Error) => log(`images could not be re-read after ${r.kind}: ${e.message}`));
    }
  }

  private async refuseClash(name: string): Promise<void> {
    if ((await imageTypes(this.bus())).has(name)) throw new RpcError('conflict', `an image named ${name} exists already`);
  }
}
