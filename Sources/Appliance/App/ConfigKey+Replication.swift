import Storage

extension ConfigKey {
    static let syncMaxClockSkew = ConfigKey("sync.max_clock_skew_ms", env: "TRIFORCE_SYNC_MAX_CLOCK_SKEW_MS", default: "1000",
                                            "replication: a peer whose clock (or rows) run further ahead than this is refused and reported")
    static let syncAntiEntropyInterval = ConfigKey("sync.anti_entropy_ms", env: "TRIFORCE_SYNC_ANTI_ENTROPY_MS", default: "10000",
                                                   "replication: pull from every member this often (± 20 %)")
    /// For tests and drills: shifts this node's wall clock (what a skewed VPS clock looks like).
    static let syncClockOffset = ConfigKey("sync.clock_offset_ms", env: "TRIFORCE_SYNC_CLOCK_OFFSET_MS", default: "0",
                                           "testing only: add this many ms to this node's clock")

    static let replicationKeys: [ConfigKey] = [syncMaxClockSkew, syncAntiEntropyInterval, syncClockOffset]
}

extension ApplianceConfiguration {
    func maxClockSkewMilliseconds() throws(ConfigurationError) -> Int64 {
        Int64(try int(.syncMaxClockSkew, in: 10...3_600_000))
    }

    func antiEntropyInterval() throws(ConfigurationError) -> Duration {
        .milliseconds(try int(.syncAntiEntropyInterval, in: 100...3_600_000))
    }

    /// The node's clock: the system clock plus the test offset, issuing monotonic HLCs.
    func hybridClock() throws(ConfigurationError) -> HybridClock {
        let offset = Int64(try int(.syncClockOffset, in: -86_400_000...86_400_000))
        let skew = UInt64(try maxClockSkewMilliseconds())
        guard offset != 0 else { return HybridClock(maxDriftMilliseconds: skew) }
        return HybridClock(maxDriftMilliseconds: skew) {
            let (shifted, overflow) = Int64(clamping: HybridClock.systemMilliseconds()).addingReportingOverflow(offset)
            return overflow ? 0 : UInt64(clamping: shifted)
        }
    }
}
