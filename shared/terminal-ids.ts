// A terminal's id names the pty host that holds it: `t` + the first 8 hex digits of that pty
// host's epoch + a number. An agent serving shells from two pty hosts (an admin agent keeps the
// user's shells and opens new ones as root) routes by it, and a window knows from a host's epochs
// which of its tabs still have their shells.
export const TERMINAL_ID = /^t[0-9a-f]{8}[0-9]{1,9}$/;

const PREFIX_LEN = 8;

/** What ids of the pty host with this epoch start with, after the `t`. */
export const ptyHostPrefix = (epoch: string): string => epoch.slice(0, PREFIX_LEN);

/** The pty host prefix of a terminal id. */
export const prefixOfTerminal = (id: string): string => id.slice(1, 1 + PREFIX_LEN);

/** HostInfo.epoch: one epoch per pty host the agent serves shells from, space-separated. */
export const epochsOf = (epoch: string | undefined): string[] => (epoch ? epoch.split(' ').filter(Boolean) : []);
