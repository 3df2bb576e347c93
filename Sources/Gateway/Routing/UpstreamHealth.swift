import Synchronization

/// Live health per upstream (key `provider/upstream-id`): a circuit breaker, the EWMA of
/// latency and the requests in flight for balancing, and per-provider misconfiguration
/// (401/403). In memory only: it describes this process's recent experience.
///
/// A class under one lock rather than an actor: every gateway request asks it two or three
/// times, and as an actor each call from a request's task went to the actor and back, two
/// trips through an event loop's queue, for a dictionary update of a few hundred
/// nanoseconds (callgrind, README "Round 7"). Nothing here waits while holding the lock.
public final class UpstreamHealth: Sendable {
    public struct Settings: Sendable {
        public var failureThreshold: Int
        public var cooldown: Duration
        /// Weight of the newest latency sample in the moving average.
        public var ewmaAlpha: Double

        public init(failureThreshold: Int = 3, cooldown: Duration = .seconds(30), ewmaAlpha: Double = 0.3) {
            self.failureThreshold = failureThreshold
            self.cooldown = cooldown
            self.ewmaAlpha = ewmaAlpha
        }
    }

    struct Circuit {
        var failures = 0
        var openUntil: ContinuousClock.Instant?
        var probing = false
        var ewmaMilliseconds: Double?
        var inFlight = 0
        /// The newest failure's message, for the admin console (never holds a key).
        var lastError: String?

        func state(now: ContinuousClock.Instant) -> State {
            guard let until = openUntil else { return .closed }
            return now < until ? .open : .halfOpen
        }
    }

    public enum State: String, Sendable { case closed, open, halfOpen = "half_open" }

    struct Ledger {
        var circuits: [String: Circuit] = [:]
        var misconfigured: [String: String] = [:]
    }

    let settings: Settings
    let ledger = Mutex(Ledger())

    public init(settings: Settings = Settings()) { self.settings = settings }

    public func state(_ key: String, now: ContinuousClock.Instant = .now) -> State {
        ledger.withLock { $0.circuits[key]?.state(now: now) ?? .closed }
    }

    /// Every upstream this process has talked to and its circuit state (for `/metrics`).
    public func states(now: ContinuousClock.Instant = .now) -> [String: State] {
        ledger.withLock { $0.circuits.mapValues { $0.state(now: now) } }
    }

    /// Whether a request may go to `key` now; in half-open state only one probe passes.
    /// A granted request counts as in flight until `succeeded` or `failed`.
    public func acquire(_ key: String, provider: String, now: ContinuousClock.Instant = .now) -> Bool {
        ledger.withLock { ledger in
            if ledger.misconfigured[provider] != nil { return false }
            var circuit = ledger.circuits[key] ?? Circuit()
            if let until = circuit.openUntil {
                if now < until || circuit.probing { return false }
                circuit.probing = true
            }
            circuit.inFlight += 1
            ledger.circuits[key] = circuit
            return true
        }
    }

    /// Ends a request that succeeded; `latency` (time to first event) feeds the average.
    public func succeeded(_ key: String, latency: Duration?) {
        ledger.withLock { ledger in
            var circuit = ledger.circuits[key] ?? Circuit()
            circuit.failures = 0
            circuit.openUntil = nil
            circuit.probing = false
            circuit.inFlight = max(0, circuit.inFlight - 1)
            if let latency { observe(&circuit, latency: latency) }
            ledger.circuits[key] = circuit
        }
    }

    /// Feeds the latency average without ending the request (a stream's first event).
    public func observe(_ key: String, latency: Duration) {
        ledger.withLock { ledger in
            var circuit = ledger.circuits[key] ?? Circuit()
            observe(&circuit, latency: latency)
            ledger.circuits[key] = circuit
        }
    }

    private func observe(_ circuit: inout Circuit, latency: Duration) {
        let sample = Double(latency.components.seconds) * 1000 + Double(latency.components.attoseconds) / 1e15
        circuit.ewmaMilliseconds = circuit.ewmaMilliseconds.map { $0 + settings.ewmaAlpha * (sample - $0) } ?? sample
    }

    /// Records a failure: Retry-After opens the circuit for that long; otherwise it opens
    /// after `failureThreshold` consecutive failures. 401/403 marks the provider misconfigured.
    public func failed(_ key: String, error: ProviderError, now: ContinuousClock.Instant = .now) {
        ledger.withLock { ledger in
            var circuit = ledger.circuits[key] ?? Circuit()
            circuit.inFlight = max(0, circuit.inFlight - 1)
            circuit.probing = false
            circuit.lastError = error.message
            if error.isUpstreamFault {
                circuit.failures += 1
                if let wait = error.retryAfter, error.code == .rateLimited {
                    circuit.openUntil = now + wait
                } else if circuit.failures >= settings.failureThreshold || circuit.openUntil != nil {
                    circuit.openUntil = now + settings.cooldown
                }
            }
            ledger.circuits[key] = circuit
            if error.code == .unauthorized { ledger.misconfigured[error.provider] = error.message }
        }
    }

    /// Releases an in-flight slot without judging the upstream (the client went away).
    public func released(_ key: String) {
        ledger.withLock { ledger in
            guard var circuit = ledger.circuits[key] else { return }
            circuit.inFlight = max(0, circuit.inFlight - 1)
            circuit.probing = false
            ledger.circuits[key] = circuit
        }
    }

    /// Lower is better: expected latency scaled by load, divided by configured weight.
    /// Unmeasured upstreams score as fast so they get tried and measured.
    public func score(_ key: String, weight: Double) -> Double {
        let circuit = ledger.withLock { $0.circuits[key] } ?? Circuit()
        return (circuit.ewmaMilliseconds ?? 1) * Double(circuit.inFlight + 1) / max(weight, 0.01)
    }

    public func setMisconfigured(_ provider: String, reason: String?) {
        ledger.withLock { $0.misconfigured[provider] = reason }
    }

    public func misconfiguration(_ provider: String) -> String? { ledger.withLock { $0.misconfigured[provider] } }
    public func misconfiguredProviders() -> [String: String] { ledger.withLock { $0.misconfigured } }
    /// Requests in flight to every upstream together (this node's load, for the mesh).
    public func inFlightTotal() -> Int { ledger.withLock { $0.circuits.values.reduce(0) { $0 + $1.inFlight } } }
}
