/// Reconnect delays: exponential from `base`, capped, with "equal jitter" (half fixed, half
/// random) so peers that lost a hub together do not all redial it in the same instant.
struct Backoff: Sendable {
    let base: Duration
    let cap: Duration
    private(set) var attempts = 0

    init(base: Duration = .milliseconds(200), cap: Duration = .seconds(30)) {
        self.base = base
        self.cap = cap
    }

    /// The delay before the next attempt; each call doubles the next (up to the cap).
    mutating func next(using random: inout some RandomNumberGenerator) -> Duration {
        let exponent = min(attempts, 20)
        attempts += 1
        let full = min(cap, base * (1 << exponent))
        let half = full / 2
        return half + half * Double.random(in: 0...1, using: &random)
    }

    mutating func reset() { attempts = 0 }
}
