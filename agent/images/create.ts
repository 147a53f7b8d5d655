// A new container, as one operation: its tree (a clone, a pull, an import, or an almost empty
// tree booting the host's /usr), then its files — the container's .network inside its tree, the
// host's .network, the .nspawn — each written atomically and never over an existing file, then
// autostart and start. Checked before anything is made; what was made is removed on failure.
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Bus } from '../dbus/bus.js';
import { RootedTree, ABSENT } from '../files/rooted-tree.js';
import { removeFile, writeAtomic } from '../files/atomic-write.js';
import { RpcError } from '../../shared/errors.js';
import { networkTexts, nspawnText, type CreateRequest } from '../../shared/create.js';
import { imageTypes, M1, M1_MANAGER, M1_PATH } from '../machines/facts.js';
import type { MachineActions } from '../machines/actions.js';
import { NetworkdControl } from '../network/networkd-control.js';
import { isNixos } from '../network/effective.js';
import type { OpContext } from '../ops/service.js';
import type { Transfers } from './transfers.js';
import { log } from '../proc.js';

const MACHINES = '/var/lib/machines';
const HOURS = 6 * 3600_000;

export class Creator {
  constructor(
    private readonly bus: () => Bus,
    private readonly transfers: Transfers,
    private readonly actions: MachineActions,
    private readonly known: (name: string) => boolean,
    private readonly imagesChanged: () => Promise<void>,
  ) {}

  /** Where its files go: /etc, or /run for a runtime container (and on NixOS, /run only). */
  private places(r: CreateRequest) {
    const base = r.runtime ? '/run/systemd' : '/etc/systemd';
    return { nspawn: `${base}/nspawn/${r.name}.nspawn`, network: `${base}/network/10-ve-${r.name}.network` };
  }

  async create(r: CreateRequest, ctx: OpContext): Promise<void> {
    const host = RootedTree.open('/', 'on the host');
    const made: (() => Promise<void> | void)[] = [];
    try {
      // Everything that can be known beforehand is checked before anything is made.
      if (!r.runtime && isNixos(host)) throw new RpcError('invalid_request', 'NixOS: /etc is the Nix store\'s; add the snippet to configuration.nix, or create a runtime container (under /run, gone at reboot)');
      const images = await imageTypes(this.bus());
      if (images.has(r.name) || this.known(r.name)) throw new RpcError('conflict', `a machine or image named ${r.name} exists already`);
      const places = this.places(r);
      const net = networkTexts(r);
      for (const p of [places.nspawn, ...(net ? [places.network] : [])]) if (host.exists(p)) throw new RpcError('conflict', `${p} exists already; remove it or choose another name`);
      for (const b of r.binds) if (!host.exists(b.source)) throw new RpcError('invalid_request', `bind source ${b.source} does not exist on the host`);
      if (r.source.type === 'clone' && !images.has(r.source.image)) throw new RpcError('not_found', `there is no image ${r.source.image}`);
      const sourceType = r.source.type === 'clone' ? images.get(r.source.image) : r.source.type === 'pull' || r.source.type === 'import' ? (r.source.format === 'raw' ? 'raw' : 'directory') : 'directory';
      if (net && sourceType !== 'directory' && sourceType !== 'subvolume') throw new RpcError('invalid_request', 'static addresses are written into the container\'s tree: that needs a directory image (use DHCP for a raw image)');

      ctx.progress('making the container\'s tree');
      await this.makeTree(r, ctx);
      made.push(() => this.bus().call(M1, M1_PATH, M1_MANAGER, 'RemoveImage', 's', [r.name], { timeoutMs: HOURS }).then(() => undefined));
      await this.imagesChanged().catch((e: Error) => log(`images not re-read: ${e.message}`));

      if (net) {
        ctx.progress('writing the network files');
        const tree = host.subtree(`${MACHINES}/${r.name}`, `in ${r.name}`);
        if (!tree) throw new RpcError('failed', `${MACHINES}/${r.name} is not a directory`);
        try {
          writeAtomic(tree, '/etc/systemd/network/10-host0.network', net.container, ABSENT);
        } finally {
          tree.close();
        }
        writeAtomic(host, places.network, net.host, ABSENT);
        made.push(() => removeFile(host, places.network));
        await NetworkdControl.onHost(this.bus()).reload().catch((e: Error) => log(`networkd not reloaded after creating ${r.name}: ${e.message}`));
      }
      ctx.progress(`writing ${places.nspawn}`);
      // machined copies a cloned image's .nspawn with it: this form's settings replace that copy.
      const copied = r.source.type === 'clone' ? host.read(places.nspawn).tag : ABSENT;
      writeAtomic(host, places.nspawn, nspawnText(r), copied);
      made.push(() => removeFile(host, places.nspawn));
      if (r.autostart) {
        ctx.progress('enabling autostart');
        await this.actions.setAutostart(r.name, true);
      }
      made.length = 0; // the container exists as asked; a failed start below leaves it there
      if (r.start) {
        ctx.progress(`starting ${r.name}`);
        await this.actions.unitJob(r.name, 'StartUnit');
      }
    } catch (e) {
      for (const undo of made.reverse()) {
        try {
          await undo();
        } catch (u) {
          log(`creating ${r.name} failed, and undoing a step failed too: ${(u as Error).message}`);
        }
      }
      throw e;
    } finally {
      host.close();
      await this.imagesChanged().catch((e: Error) => log(`images not re-read: ${e.message}`));
    }
  }

  private async makeTree(r: CreateRequest, ctx: OpContext): Promise<void> {
    const s = r.source;
    if (s.type === 'clone') await this.bus().call(M1, M1_PATH, M1_MANAGER, 'CloneImage', 'ssb', [s.image, r.name, false], { interactive: true, timeoutMs: HOURS });
    else if (s.type === 'pull') await this.transfers.pull({ kind: 'image.pull', url: s.url, name: r.name, format: s.format, verify: s.verify, force: false }, ctx);
    else if (s.type === 'import') await this.transfers.import({ kind: 'image.import', path: s.path, name: r.name, format: s.format, readOnly: false, force: false }, ctx);
    else scratchTree(`${MACHINES}/${r.name}`, r.network.mode !== 'host');
  }
}

/**
 * An almost empty tree that boots the host's /usr (bound read-only by its .nspawn): merged-/usr
 * links, the host's os-release (nspawn checks for one), a machine id (no first-boot prompts),
 * and systemd-networkd enabled when it has a veth. Made fresh, so nothing in it can be a trap.
 */
function scratchTree(dir: string, networkd: boolean): void {
  mkdirSync(dir, { mode: 0o755 }); // EEXIST: someone made it since the check, and it is not ours
  try {
    for (const d of ['usr', 'etc', 'var', 'root', 'tmp', 'etc/systemd/system/multi-user.target.wants']) mkdirSync(`${dir}/${d}`, { recursive: true, mode: 0o755 });
    chmodSync(`${dir}/tmp`, 0o1777);
    chmodSync(`${dir}/root`, 0o700);
    for (const l of ['bin', 'sbin', 'lib', 'lib64']) symlinkSync(`usr/${l}`, `${dir}/${l}`);
    writeFileSync(`${dir}/etc/os-release`, readFileSync('/usr/lib/os-release'));
    writeFileSync(`${dir}/etc/machine-id`, `${randomBytes(16).toString('hex')}\n`, { mode: 0o444 });
    if (networkd) symlinkSync('/lib/systemd/system/systemd-networkd.service', `${dir}/etc/systemd/system/multi-user.target.wants/systemd-networkd.service`);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
