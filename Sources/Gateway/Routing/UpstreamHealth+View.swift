import Synchronization

/// A read-only view of one upstream's circuit for the admin console.
public struct CircuitView: Sendable, Equatable {
    public let state: UpstreamHealth.State
    public let ewmaMilliseconds: Double?
    public let consecutiveFailures: Int
    public let inFlight: Int
    public let lastError: String?
}

extension UpstreamHealth {
    public func view(_ key: String, now: ContinuousClock.Instant = .now) -> CircuitView {
        let circuit = ledger.withLock { $0.circuits[key] } ?? Circuit()
        return CircuitView(state: circuit.state(now: now), ewmaMilliseconds: circuit.ewmaMilliseconds,
                           consecutiveFailures: circuit.failures, inFlight: circuit.inFlight, lastError: circuit.lastError)
    }
}
