/** Defaults of the control plane (README, "Ports"). */
export const DEFAULT_XDS_PORT = 18000;
export const DEFAULT_ADMIN_PORT = 18001;
export const DEFAULT_OUTBOUND = { address: '127.0.0.1', port: 15001 } as const;
