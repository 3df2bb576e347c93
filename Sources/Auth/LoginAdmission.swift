import Core
import Net
import Synchronization

/// Bounds the password hashing a login flood can queue: at most `perSource` attempts in
/// flight from one client (IPv4 address or IPv6 /64) and `total` overall. Over either, the
/// attempt is refused at once with 429 + Retry-After — before any database work or hashing —
/// so one client's burst cannot push everyone else's logins to the back of a long queue.
///
/// In memory and per process on purpose: it bounds this process's CPU, nothing else.
public final class LoginAdmission: Sendable {
    public let perSource: Int
    public let total: Int
    private let state = Mutex(State())

    struct State {
        var inFlight: [String: Int] = [:]
        var total = 0
    }

    public init(perSource: Int = 2, total: Int = 32) {
        self.perSource = max(1, perSource)
        self.total = max(1, total)
    }

    /// Runs `body` holding a slot for `address`'s client; the slot is returned when `body`
    /// ends, thrown or cancelled.
    public func run<T: Sendable>(address: String, _ body: () async throws -> T) async throws -> T {
        let source = ClientNetwork.host(address)
        try admit(source)
        defer { release(source) }
        return try await body()
    }

    func admit(_ source: String) throws(APIError) {
        let refusal: String? = state.withLock { state in
            if state.inFlight[source, default: 0] >= perSource { return "a login from your address is still being checked; wait for it" }
            if state.total >= total { return "the server is busy checking other logins" }
            state.inFlight[source, default: 0] += 1
            state.total += 1
            return nil
        }
        if let refusal { throw APIError.rateLimited("\(refusal); retry in 1 s", retryAfterSeconds: 1) }
    }

    func release(_ source: String) {
        state.withLock { state in
            let left = state.inFlight[source, default: 1] - 1
            state.inFlight[source] = left > 0 ? left : nil
            state.total -= 1
        }
    }

    /// Attempts holding a slot right now.
    public var inFlight: Int { state.withLock { $0.total } }
}
