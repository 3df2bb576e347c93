extension ConfigKey {
    static let guardianPeers = ConfigKey("guardian_peers", env: "TRIFORCE_GUARDIAN_PEERS", default: "",
                                         "API URLs of peers the guardian watches (comma separated), until the mesh lists members")
    static let guardianInterval = ConfigKey("guardian_interval_seconds", env: "TRIFORCE_GUARDIAN_INTERVAL", default: "30",
                                            "seconds between guardian rounds in the server")

    static let releasePrefix = ConfigKey("release_prefix", env: "TRIFORCE_PREFIX", default: "/opt/triforce",
                                         "where releases are installed (releases/VERSION, current); peers fetch binaries from here")

    static let releaseHealthGate = ConfigKey("release.health_gate_seconds", env: "TRIFORCE_RELEASE_HEALTH_GATE", default: "60",
                                             "seconds a new release must stay healthy after its restart before it is confirmed")
    static let releaseGateTimeout = ConfigKey("release.gate_timeout_seconds", env: "TRIFORCE_RELEASE_GATE_TIMEOUT", default: "300",
                                              "seconds a new release may take to serve, rejoin the mesh and catch up before it is rolled back")
    static let releaseCheckInterval = ConfigKey("release.check_seconds", env: "TRIFORCE_RELEASE_CHECK", default: "10",
                                                "seconds between rollout checks (member changes also trigger one)")

    static let guardianKeys: [ConfigKey] = [guardianPeers, guardianInterval, releasePrefix, releaseHealthGate, releaseGateTimeout,
                                            releaseCheckInterval]
}

extension ApplianceConfiguration {
    func guardianIntervalSeconds() throws(ConfigurationError) -> Int { try int(.guardianInterval, in: 5...3_600) }

    func releaseDirectory() -> ReleaseDirectory { ReleaseDirectory(prefix: string(.releasePrefix) ?? "/opt/triforce") }

    func rolloutSettings() throws(ConfigurationError) -> RolloutService.Settings {
        RolloutService.Settings(checkInterval: .seconds(try int(.releaseCheckInterval, in: 1...3_600)),
                                hold: .seconds(try int(.releaseHealthGate, in: 0...86_400)),
                                gateTimeout: .seconds(try int(.releaseGateTimeout, in: 10...86_400)))
    }
}
