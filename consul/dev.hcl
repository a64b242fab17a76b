# Consul dev agent for the local mesh and the integration tests.
# Ports are passed on the command line so that several agents can run side by side.
# Dev mode already runs a single in-memory server with Connect and its built-in CA.
datacenter = "dc1"
node_name  = "mesh-dev"
log_level  = "WARN"

ui_config {
  enabled = true
}

connect {
  enabled = true
}

# Blocking queries from the control plane should see changes immediately.
performance {
  raft_multiplier = 1
}

# Expose /v1/agent/metrics?format=prometheus for the local Prometheus.
telemetry {
  prometheus_retention_time = "60s"
  disable_hostname          = true
}
