import { trace } from '@opentelemetry/api';

/** The control plane's own spans: one per translation, one per response written to a stream. */
export const tracer = trace.getTracer('@mesh/xds-server');
