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
        let circuit = circuits[key] ?? Circuit()
        return CircuitView(state: state(key, now: now), ewmaMilliseconds: circuit.ewmaMilliseconds,
                           consecutiveFailures: circuit.failures, inFlight: circuit.inFlight, lastError: circuit.lastError)
    }
}
