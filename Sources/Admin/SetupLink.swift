import Net
import Synchronization

/// The one-time first-run link: a node with no admin prints `/admin#setup=TOKEN` once at
/// start; the console posts the token back to create the first admin. Only the token's
/// SHA-256 is kept (in memory: a restart prints a new link), it expires after `lifetime`,
/// is compared in constant time and works once. Guarded by its mutex.
public final class SetupLink: Sendable {
    struct Pending {
        let digest: [UInt8]
        let expires: ContinuousClock.Instant
    }

    /// A redeemed token, held while the admin is created so a failure can give it back.
    public struct Claim: Sendable {
        fileprivate let pending: Pending
    }

    public static let lifetime: Duration = .seconds(3600)
    private let pending = Mutex<Pending?>(nil)

    public init() {}

    /// A new random token (256 bits, base64url); any earlier one stops working.
    public func issue(now: ContinuousClock.Instant = .now) throws -> String {
        let token = Base64URL.encode(try SecureRandom.bytes(32))
        let digest = SHA256.hash(Array(token.utf8))
        pending.withLock { $0 = Pending(digest: digest, expires: now + Self.lifetime) }
        return token
    }

    /// Whether a link is outstanding and unexpired.
    public func isOpen(now: ContinuousClock.Instant = .now) -> Bool {
        pending.withLock { $0.map { now < $0.expires } ?? false }
    }

    /// Takes the token if it is the outstanding one and unexpired: succeeds at most once.
    public func claim(_ token: String, now: ContinuousClock.Instant = .now) -> Claim? {
        guard token.utf8.count <= 128 else { return nil }
        let digest = SHA256.hash(Array(token.utf8))
        return pending.withLock { pending in
            guard let current = pending, now < current.expires, constantTimeEquals(current.digest, digest) else { return nil }
            pending = nil
            return Claim(pending: current)
        }
    }

    /// Puts a claimed token back (creating the admin failed), unless a newer one was issued.
    public func giveBack(_ claim: Claim) {
        pending.withLock { pending in
            if pending == nil { pending = claim.pending }
        }
    }

    /// Closes the link (an admin now exists by other means).
    public func close() { pending.withLock { $0 = nil } }
}
