extension ConfigKey {
    static let tlsCert = ConfigKey("tls_cert", env: "TRIFORCE_TLS_CERT",
                                   "PEM certificate (chain) file: with tls_key, the HTTP API is served over HTTPS")
    static let tlsKey = ConfigKey("tls_key", env: "TRIFORCE_TLS_KEY", "PEM private key file for tls_cert")
    static let meshPort = ConfigKey("mesh_port", env: "TRIFORCE_MESH_PORT", default: "44433",
                                    "mTLS mesh listener port, started once `triforce ca init` ran (0 picks a free one)")

    static let tlsKeys: [ConfigKey] = [tlsCert, tlsKey, meshPort]
}

extension ApplianceConfiguration {
    func meshPort() throws(ConfigurationError) -> Int { try int(.meshPort, in: 0...65535) }

    /// Both HTTPS files, nil for plain HTTP; one without the other is a configuration error.
    func tlsFiles() throws(ConfigurationError) -> (certificate: String, key: String)? {
        let cert = string(.tlsCert).flatMap { $0.isEmpty ? nil : $0 }
        let key = string(.tlsKey).flatMap { $0.isEmpty ? nil : $0 }
        switch (cert, key) {
        case (nil, nil): return nil
        case let (cert?, key?): return (cert, key)
        default: throw ConfigurationError("--tls-cert and --tls-key (TRIFORCE_TLS_CERT, TRIFORCE_TLS_KEY) must be given together")
        }
    }
}
