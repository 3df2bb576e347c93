extension ConfigKey {
    static let guardianPeers = ConfigKey("guardian_peers", env: "TRIFORCE_GUARDIAN_PEERS", default: "",
                                         "API URLs of peers the guardian watches (comma separated), until the mesh lists members")
    static let guardianInterval = ConfigKey("guardian_interval_seconds", env: "TRIFORCE_GUARDIAN_INTERVAL", default: "30",
                                            "seconds between guardian rounds in the server")

    static let releasePrefix = ConfigKey("release_prefix", env: "TRIFORCE_PREFIX", default: "/opt/triforce",
                                         "where releases are installed (releases/VERSION, current); peers fetch binaries from here")

    static let guardianKeys: [ConfigKey] = [guardianPeers, guardianInterval, releasePrefix]
}

extension ApplianceConfiguration {
    func guardianIntervalSeconds() throws(ConfigurationError) -> Int { try int(.guardianInterval, in: 5...3_600) }
}
