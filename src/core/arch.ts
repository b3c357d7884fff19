/**
 * Go's names for Node's architectures, as Kubernetes release archives and the binaries' directory use
 * them. Only the architectures the lab supports (doctor's platform check fails on any other).
 */
const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

/** Go's name for a supported architecture; undefined for any other. */
export const supportedGoArch = (nodeArch: string): string | undefined => (Object.hasOwn(GO_ARCH, nodeArch) ? GO_ARCH[nodeArch] : undefined);

/** Go's name for this machine's architecture (another one keeps Node's name). */
export const goArch = (nodeArch: string = process.arch): string => supportedGoArch(nodeArch) ?? nodeArch;
