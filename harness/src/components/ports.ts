/** The fixed ports of the local mesh (`mesh up`). Tests use free ports instead. */
export const DEFAULT_PORTS = {
  consulHttp: 8500,
  consulGrpc: 8502,
  temporal: 7233,
  temporalUi: 8233,
  jaegerUi: 16686,
  otlpGrpc: 4317,
  otlpHttp: 4318,
  prometheus: 9090,
  xdsGrpc: 18000,
  xdsAdmin: 18001,
  envoyOutbound: 15001,
  envoyAdminBase: 19000,
} as const;
