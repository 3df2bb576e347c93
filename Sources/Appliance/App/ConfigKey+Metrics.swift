extension ConfigKey {
    static let metricsToken = ConfigKey("metrics_token", env: "TRIFORCE_METRICS_TOKEN", secret: true,
                                        "bearer token Prometheus sends to read /metrics (admins can always read it)")
}

extension ApplianceConfiguration {
    /// Shortest scrape token accepted: it guards a public path, so it must not be guessable.
    static let minimumMetricsTokenLength = 24

    /// The scrape token, checked by `serve` at start (one line, non-zero exit, value not echoed);
    /// nil when unset, and then only admins read `/metrics`.
    func metricsToken() throws(ConfigurationError) -> String? {
        guard let token = string(.metricsToken), !token.isEmpty else { return nil }
        guard token.utf8.count >= Self.minimumMetricsTokenLength else {
            throw ConfigurationError("metrics_token (TRIFORCE_METRICS_TOKEN) must be at least \(Self.minimumMetricsTokenLength) characters, got \(token.utf8.count) from \(source(.metricsToken).rawValue); generate one with `openssl rand -hex 32`")
        }
        return token
    }
}
