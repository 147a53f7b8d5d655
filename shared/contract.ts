// The one contract between renderer and backend: every request `domain.verb` with zod input and
// output schemas, and every event. The backend validates inputs against it before any service runs.
import { z } from 'zod';
import { Machine, MachineDelta } from './machine.js';
import { MachineName, UserName } from './names.js';
import type { RpcErrorShape } from './errors.js';
import { NetworkForm } from './network.js';
import { Op, OpId, OpRequest } from './ops.js';
import { Image, ImageName, RemovalPlan } from './images.js';
import { LimitsChange, SettingsChange, SettingsPlan, SettingsView } from './settings.js';
import { TERMINAL_ID } from './terminal-ids.js';

const Empty = z.object({}).strict();
const ByName = z.object({ name: MachineName }).strict();
const Ok = z.object({ ok: z.literal(true) });
const TermId = z.string().regex(TERMINAL_ID, 'not a terminal id');
/** One-time token that moves a terminal session to another window (pop-out). */
const Handoff = z.string().regex(/^[0-9a-f]{32}$/, 'not a handoff token');
const UndoToken = z.string().regex(/^[0-9a-f]{16}$/, 'not an undo token');
const ReattachToken = z.string().regex(/^[0-9a-f]{32}$/, 'not a re-attach token');
const Cols = z.number().int().min(2).max(1000);
const Rows = z.number().int().min(1).max(500);

/** Names a managed host in the hub's list: every request, event and cache key carries one. */
export const HostId = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'not a host id');
export type HostId = z.infer<typeof HostId>;
export const HostKind = z.enum(['local', 'sandbox', 'ssh']);

/** A host the hub manages, as the hub lists it (before its agent says anything). */
export const HostEntry = z.object({
  id: HostId, label: z.string(), kind: HostKind,
  /** The hub can start this host's agent with administrative access (Unlock), and whether it has. */
  canUnlock: z.boolean(),
  unlocked: z.boolean(),
  /** Added in the app (an SSH host), so it can be removed there. */
  removable: z.boolean().optional(),
  /** An SSH host where Nix may provide node when the host has none (the user allowed it). */
  nixNode: z.boolean().optional(),
});
export type HostEntry = z.infer<typeof HostEntry>;

/** Why a remote host's agent cannot be reached, when that is known (the hub's ssh launcher). */
export const HostProblem = z.enum(['host_key_changed', 'host_key_unknown', 'auth_failed', 'unreachable', 'node_missing', 'sudo_refused']);
export type HostProblem = z.infer<typeof HostProblem>;

export const HostInfo = z.object({
  label: z.string(),
  kind: HostKind,
  busAddress: z.string(),
  connected: z.boolean(),
  error: z.string().optional(),
  /**
   * The runs of the pty hosts whose shells the agent serves, space-separated (shared/terminal-ids):
   * a tab whose pty host is no longer among them has lost its shell.
   */
  epoch: z.string().optional(),
  /** Connected, but something the list relies on is missing (machined off the bus). */
  warning: z.string().optional(),
  /** limited: the agent runs as the desktop user (polkit asks for what needs more); admin: as root. */
  access: z.enum(['limited', 'admin']).optional(),
  /** Not connected, and why in one word (the error says it in full). */
  problem: HostProblem.optional(),
  /** A NixOS host: /etc comes from the Nix store, so changes go to /run or configuration.nix. */
  nixos: z.boolean().optional(),
});
export type HostInfo = z.infer<typeof HostInfo>;

const Side = z.enum(['host', 'container']);

export const SideView = z.object({
  link: z.string(),
  available: z.boolean(),
  reason: z.string().optional(),
  mode: z.enum(['edit', 'runtime', 'etc-copy', 'none']),
  /** The effective .network file, and drop-ins in the order networkd reads them. */
  file: z.string().optional(),
  dropins: z.array(z.string()),
  values: NetworkForm,
  /** Field → the file its value comes from (for a list: the file of its last entry). */
  sources: z.record(z.string(), z.string()),
  /** Each entry of a list field (addresses, gateways, dns), with the file and section that give it. */
  items: z.record(z.string(), z.array(z.object({ value: z.string(), file: z.string(), place: z.enum(['Network', 'Address', 'Route']) }))),
  /** Files new list entries can be added to, the default first (a runtime drop-in on NixOS). */
  addTargets: z.array(z.string()),
  tags: z.record(z.string(), z.string()),
  live: z.object({
    operState: z.string().optional(),
    networkFile: z.string().optional(),
    addresses: z.array(z.string()),
    error: z.string().optional(),
  }),
});
export type SideView = z.infer<typeof SideView>;

export const NetworkView = z.object({
  name: z.string(), nixos: z.boolean(), host: SideView, container: SideView,
  /** The newest change the app applied to this machine that can still be undone. */
  lastChange: z.object({
    token: z.string(), at: z.string(), files: z.array(z.string()),
    /** applied: can be undone; partly-undone: an undo stopped part-way and can be finished;
     * changed: a file changed since, so it can only be forgotten. */
    state: z.enum(['applied', 'partly-undone', 'changed']),
    restoredFiles: z.number(),
    reason: z.string().optional(),
  }).optional(),
});
export type NetworkView = z.infer<typeof NetworkView>;

export const NetworkChange = z.object({
  name: MachineName,
  host: NetworkForm.optional(),
  container: NetworkForm.optional(),
  /** Per side, the file (one of its addTargets) that new list entries go to. */
  addTo: z.object({ host: z.string().max(4096).optional(), container: z.string().max(4096).optional() }).strict().optional(),
}).strict();
export type NetworkChange = z.infer<typeof NetworkChange>;

export const NetworkPlan = z.object({
  files: z.array(z.object({ side: Side, path: z.string(), created: z.boolean(), diff: z.string() })),
  runtimeOnly: z.boolean(),
  nixSnippet: z.string().optional(),
  notes: z.array(z.string()),
});
export type NetworkPlan = z.infer<typeof NetworkPlan>;

/** The longest .nspawn value the details view shows in full. */
export const NSPAWN_VALUE_SHOWN = 2048;

export const HostOverview = z.object({
  /** ActiveState of each service ('unknown' when systemd could not say). */
  services: z.array(z.object({ unit: z.string(), state: z.string() })),
  /** The file system holding /var/lib/machines; absent when it could not be read. */
  disk: z.object({ path: z.string(), sizeBytes: z.number(), freeBytes: z.number() }).optional(),
  /** machined's pool: what its images use, and its limit (absent: none or unknown). */
  poolUsageBytes: z.number().optional(),
  poolLimitBytes: z.number().optional(),
});
export type HostOverview = z.infer<typeof HostOverview>;

export const MachineDetails = z.object({
  name: z.string(),
  nspawn: z.object({
    file: z.string().optional(),
    /** The file exists but could not be read (a directory, over 1 MiB, unreadable). */
    error: z.string().optional(),
    /** Lines systemd-nspawn would ignore or refuse: "line N: why". */
    problems: z.array(z.string()).optional(),
    settings: z.array(z.object({
      section: z.string(), key: z.string(), value: z.string(),
      /** Characters of the value left out (values are shown up to NSPAWN_VALUE_SHOWN). */
      omitted: z.number().optional(),
    })),
  }),
  rootDirectory: z.string().optional(),
  leader: z.number().optional(),
  unit: z.object({ activeState: z.string().optional(), subState: z.string().optional(), since: z.number().optional() }),
  osRelease: z.record(z.string(), z.string()),
});
export type MachineDetails = z.infer<typeof MachineDetails>;

export const MachineMetrics = z.object({
  name: z.string(),
  at: z.number(),
  /** 'procfs' when the host's cgroup accounting is unavailable and the numbers are summed from /proc. */
  source: z.enum(['systemd', 'procfs']),
  memoryBytes: z.number().optional(),
  /** The unit's MemoryMax now; absent when there is none. */
  memoryMax: z.number().optional(),
  cpuNs: z.number().optional(),
  tasks: z.number().optional(),
  ioReadBytes: z.number().optional(),
  ioWriteBytes: z.number().optional(),
});
export type MachineMetrics = z.infer<typeof MachineMetrics>;

const JournalId = z.string().regex(/^j[0-9]{1,9}$/, 'not a journal stream id');
export const JournalEntry = z.object({
  ts: z.number(), priority: z.number(), message: z.string(), ident: z.string().optional(), pid: z.string().optional(),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

const ReloadResults = z.array(z.object({ side: Side, ok: z.boolean(), message: z.string() }));

export const HostDiagnostics = z.object({
  /** D-Bus messages the agent sent since it started, in all and by member. */
  busMessagesSent: z.number(),
  busMessagesByMember: z.record(z.string(), z.number()),
  matchRules: z.number(),
  terminals: z.number(),
  journalStreams: z.number(),
  /** The agent's own process: its PID as its host sees it, resident memory, and child processes. */
  pid: z.number(),
  rssBytes: z.number(),
  childProcesses: z.number(),
});
export type HostDiagnostics = z.infer<typeof HostDiagnostics>;

export const requests = {
  'host.info': { input: Empty, output: HostInfo },
  /** The host at a glance: its services' states and the space for machines. */
  'host.overview': { input: Empty, output: HostOverview },
  /** The agent's own counters, for people debugging a host and for the bench. */
  'host.diagnostics': { input: Empty, output: HostDiagnostics },
  /** Re-reads every machine from machined, systemd and the files now. */
  'machines.refresh': { input: Empty, output: z.object({ ms: z.number(), machines: z.number() }) },
  'machines.list': { input: Empty, output: z.array(Machine) },
  'machines.start': { input: ByName, output: Ok },
  'machines.stop': { input: ByName, output: Ok },
  'machines.restart': { input: ByName, output: Ok },
  'machines.poweroff': { input: ByName, output: Ok },
  'machines.reboot': { input: ByName, output: Ok },
  'machines.terminate': { input: ByName, output: Ok },
  'machines.setAutostart': {
    input: z.object({ name: MachineName, enabled: z.boolean() }).strict(),
    output: Ok,
  },
  'machines.details': { input: ByName, output: MachineDetails },
  'machines.metrics': {
    input: z.object({ names: z.array(MachineName).max(200) }).strict(),
    output: z.array(MachineMetrics),
  },
  /** Starts a long operation and returns it at once; 'ops.changed' events follow it to its end. */
  /** machined's images; each image's usage and limit as machined knows them. */
  'images.list': { input: Empty, output: z.array(Image) },
  /** What removing an image would also remove (its .nspawn, the host's network files it owns). */
  'images.removalPlan': { input: z.object({ name: ImageName }).strict(), output: RemovalPlan },
  /** A machine's .nspawn as a form (credential values never included) and its unit's limits. */
  'settings.get': { input: ByName, output: SettingsView },
  'settings.preview': { input: SettingsChange, output: SettingsPlan },
  'settings.apply': { input: SettingsChange, output: z.object({ undoToken: UndoToken.optional(), notes: z.array(z.string()), restartNeeded: z.boolean() }) },
  'settings.undo': { input: z.object({ token: UndoToken }).strict(), output: z.object({ restored: z.array(z.string()) }) },
  'settings.setLimits': { input: LimitsChange, output: z.object({ notes: z.array(z.string()) }) },
  'ops.start': { input: OpRequest, output: Op },
  /** The host's operations: running ones, and the recently ended with their results. */
  'ops.list': { input: Empty, output: z.array(Op) },
  'ops.cancel': { input: z.object({ op: OpId }).strict(), output: Ok },
  'journal.follow': {
    input: z.object({
      name: MachineName,
      /** The container's own journal (journalctl -M) or the host's log of its unit. */
      source: z.enum(['container', 'unit']),
      priority: z.number().int().min(0).max(7).default(7),
      lines: z.number().int().min(1).max(5000).default(300),
      /** 0 (default): this boot, followed; -N: the Nth boot before it, read to its end. */
      boot: z.number().int().min(-50).max(0).optional(),
    }).strict(),
    output: z.object({ id: JournalId }),
  },
  'journal.stop': { input: z.object({ id: JournalId }).strict(), output: Ok },
  /** Flow control: the client has shown `entries` more entries of the stream. */
  'journal.ack': { input: z.object({ id: JournalId, entries: z.number().int().min(0).max(1e9) }).strict(), output: Ok },
  'network.get': { input: ByName, output: NetworkView },
  'network.preview': { input: NetworkChange, output: NetworkPlan },
  'network.apply': {
    input: NetworkChange.extend({
      /** Tags of the files as the form read them: a file changed since then is a conflict. */
      tags: z.record(z.string().max(4096), z.string().max(200)).refine((t) => Object.keys(t).length <= 64, 'too many files'),
    }).strict(),
    /** No undoToken when nothing had to change (nothing is written or recorded then). */
    output: NetworkPlan.extend({ undoToken: z.string().optional(), results: ReloadResults }),
  },
  /** Undoes a recorded change, or finishes an undo that stopped part-way. */
  'network.undo': {
    input: z.object({ token: UndoToken }).strict(),
    output: z.object({ restored: z.array(z.string()), results: ReloadResults }),
  },
  /** Drops a recorded change without touching its files (one that can no longer be undone). */
  'network.forget': { input: z.object({ token: UndoToken }).strict(), output: Ok },
  'terminal.open': {
    input: z.object({
      machine: MachineName,
      mode: z.enum(['shell', 'login']).default('shell'),
      user: UserName.optional(),
      /** Program and arguments to run instead of the login shell (argv, never a string). */
      command: z.array(z.string().min(1).max(4096).refine((s) => !s.includes('\0'), 'NUL byte')).max(64).optional(),
      cols: Cols,
      rows: Rows,
    }).strict(),
    /** `token` lets a window re-attach the session after a reload or a dropped connection. */
    output: z.object({ id: TermId, token: ReattachToken }),
  },
  /** Takes a session back after a reload or a dropped connection (within the agent's grace period). */
  'terminal.reattach': {
    input: z.object({ id: TermId, token: ReattachToken, cols: Cols, rows: Rows }).strict(),
    output: z.object({ id: TermId, machine: z.string(), mode: z.enum(['shell', 'login']), user: z.string().optional(), screen: z.string() }),
  },
  /** Clients send larger input (pastes) in pieces of at most TERMINAL_WRITE_MAX_CHARS, in order. */
  'terminal.write': {
    /** interrupt: the input holds a Ctrl-C; output not yet sent is dropped and terminal.flushed follows. */
    input: z.object({ id: TermId, data: z.string().max(1_000_000), interrupt: z.boolean().optional() }).strict(),
    output: Ok,
  },
  'terminal.resize': {
    input: z.object({ id: TermId, cols: Cols, rows: Rows }).strict(),
    output: Ok,
  },
  'terminal.ack': {
    input: z.object({ id: TermId, chars: z.number().int().min(0).max(1e9) }).strict(),
    output: Ok,
  },
  'terminal.close': { input: z.object({ id: TermId }).strict(), output: Ok },
  /** Offers a session to another window; the token works once, for 30 s. */
  'terminal.handoff': { input: z.object({ id: TermId }).strict(), output: z.object({ handoff: Handoff }) },
  /** Takes over an offered session: this client owns it from now on and gets its recent output. */
  'terminal.adopt': {
    input: z.object({ handoff: Handoff, cols: Cols, rows: Rows }).strict(),
    output: z.object({
      id: TermId, machine: z.string(), mode: z.enum(['shell', 'login']), user: z.string().optional(), history: z.string(),
    }),
  },
} as const;

/** Requests the hub answers itself, for the host they name. */
export const hubRequests = {
  /** Administrative access: the host's agent as root through pkexec (polkit asks once). */
  'hub.unlock': { input: Empty, output: Ok },
  /** Back to limited access: the admin agent stops; shells carry on. */
  'hub.lock': { input: Empty, output: Ok },
  /** Adds an SSH host (`user@host[:port]` or an ssh_config alias), saved for next time; names no host. */
  'hub.addHost': { input: z.object({ target: z.string().max(300), nixNode: z.boolean().optional() }).strict(), output: HostEntry },
  /** Removes an added SSH host: its agent stops and it is no longer saved. */
  'hub.removeHost': { input: Empty, output: Ok },
  /** Connect to the host's agent now instead of at the next retry. */
  'hub.reconnect': { input: Empty, output: Ok },
  /** The answer to a hub.prompt (passed to ssh once, never kept); no answer cancels it. */
  'hub.answer': { input: z.object({ id: z.number().int(), answer: z.string().max(4096).optional() }).strict(), output: Ok },
} as const;
/** Hub requests that name no host (the hub answers them for itself). */
export const HOSTLESS_HUB_REQUESTS: readonly HubMethod[] = ['hub.addHost'];
export type HubMethod = keyof typeof hubRequests;
export type HubOutput<M extends HubMethod> = z.output<(typeof hubRequests)[M]['output']>;

export type Method = keyof typeof requests;
export type Input<M extends Method> = z.input<(typeof requests)[M]['input']>;
export type ParsedInput<M extends Method> = z.output<(typeof requests)[M]['input']>;
export type Output<M extends Method> = z.output<(typeof requests)[M]['output']>;

export const TerminalExit = z.object({
  id: TermId,
  exitCode: z.number().optional(),
  reason: z.string(),
});

export const events = {
  /** From the hub itself (no host): the hosts it manages, sent when a client connects. */
  'hub.hosts': z.array(HostEntry),
  /** ssh asks something (a password, a key's passphrase) while connecting to the stamped host. */
  'hub.prompt': z.object({ id: z.number().int(), prompt: z.string().max(1000) }),
  /** That prompt was answered (in some window), cancelled or timed out: close it everywhere. */
  'hub.promptDone': z.object({ id: z.number().int() }),
  /** The whole list, sent when anything changes (coalesced). */
  'machines.changed': z.array(Machine),
  /** What changed since the last machines.changed or delta (the list is sent whole after a re-read). */
  'machines.delta': MachineDelta,
  'host.status': HostInfo,
  /** A machine started from here failed soon after its start job was done (it booted, then died). */
  'machines.lateFailure': z.object({ name: MachineName, afterMs: z.number(), result: z.string().optional(), details: z.array(z.string()) }),
  /** The images changed (an image operation or a transfer ended): the whole list. */
  'images.changed': z.array(Image),
  /** An operation started, moved on or ended (sent to every window of the host). */
  'ops.changed': Op,
  'terminal.data': z.object({ id: TermId, data: z.string() }),
  'terminal.exit': TerminalExit,
  /** After an interrupting write: output sent before this was made before the interrupt. */
  'terminal.flushed': z.object({ id: TermId }),
  /** The session went to another window: drop its tab here, without closing it. */
  'terminal.moved': z.object({ id: TermId }),
  'journal.entries': z.object({ id: JournalId, entries: z.array(JournalEntry), ended: z.string().optional() }),
} as const;

export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>;

/** Wire frames, the same over Electron's MessagePort and the web-mode WebSocket. A request names
 * its host; the hub routes it to that host's agent and stamps the host on everything that comes
 * back (the agent never names itself). Ids are unique per connection, across hosts. A hub request
 * that names no host (HOSTLESS_HUB_REQUESTS) has no `host`. */
export type ClientFrame = { t: 'req'; id: number; host?: string; method: string; params: unknown };
export type ServerFrame =
  | { t: 'res'; id: number; host?: string; ok: true; result: unknown }
  | { t: 'res'; id: number; host?: string; ok: false; error: RpcErrorShape }
  | { t: 'evt'; host?: string; name: EventName; payload: unknown };

/** A client sends terminal input in pieces of at most this many chars, each awaited: even as
 * JSON-escaped control characters (6 bytes each) a piece stays far below the frame limit. */
export const TERMINAL_WRITE_MAX_CHARS = 64_000;
/** Frames a backend accepts; larger ones close that connection (1009), never the backend. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** Journal flow control: the backend stops reading journalctl above HIGH unacked entries. */
export const JOURNAL_FLOW = { HIGH: 5_000, LOW: 1_000 } as const;
/** Sessions one client, and one host, may have open: each `machinectl shell` holds a bus connection
 * of the host's root user, and dbus-daemon allows 256 per user. */
export const TERMINAL_LIMITS = { PER_CLIENT: 32, PER_HOST: 64 } as const;

/** Terminal flow control: the renderer acks every ACK_CHARS written; the backend pauses the pty
 * above HIGH_WATERMARK unacked chars and resumes below LOW_WATERMARK. Acks go in 64 k steps: each
 * crosses the worker, the hub, the agent and the pty host, and at 5 k a 16 MiB flood sent a
 * thousand of them (a fifth of its time in screen reader mode). The window is 2 MB: at 1 MB the
 * page, once its drawing was paced, ran dry while the acks went round (idle a fifth of a flood);
 * at 4 MB the frames still on their way after a Ctrl-C took longer to drop than the prompt may. */
export const FLOW = { ACK_CHARS: 64_000, HIGH_WATERMARK: 2_000_000, LOW_WATERMARK: 500_000, BATCH_MS: 5, BATCH_MAX_CHARS: 64_000 } as const;
