import Net
import NIOCore
import NIOPosix
import FoundationEssentials

/// Password hashes in PBKDF2-HMAC-SHA256, stored with their parameters so the iteration
/// count can be raised later without invalidating old hashes:
/// `pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>`.
///
/// Hashing takes ~0.3 s of CPU at 600,000 iterations, so it runs on a dedicated pool of one
/// thread per core, never on the event loops or the Swift cooperative pool. With one thread
/// a burst of wrong logins queued every legitimate login behind it (20 s seen); the queue in
/// front of the pool is bounded by `LoginAdmission`, so a flood is refused, not queued.
public struct PasswordHasher: Sendable {
    public static let defaultIterations = 600_000
    public static let scheme = "pbkdf2-sha256"
    static let saltBytes = 16
    static let hashBytes = 32

    public let iterations: Int
    private let pool: NIOThreadPool

    /// `iterations` below the default are for tests only.
    public init(iterations: Int = PasswordHasher.defaultIterations) {
        self.iterations = iterations
        self.pool = Self.sharedPool
    }

    /// Hashes computed at once: one per core.
    public static let threadCount = max(1, System.coreCount)

    private static let sharedPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: threadCount)
        pool.start()
        return pool
    }()

    /// A new encoded hash with a fresh random salt.
    public func hash(_ password: String) async throws -> String {
        let iterations = self.iterations
        return try await pool.runIfActive {
            let salt = try SecureRandom.bytes(Self.saltBytes)
            let key = try PBKDF2.sha256(password: Array(password.utf8), salt: salt, iterations: iterations, length: Self.hashBytes)
            return "\(Self.scheme)$\(iterations)$\(Base64URL.encodeStandard(salt))$\(Base64URL.encodeStandard(key))"
        }
    }

    /// Whether `password` matches `encoded`, compared in constant time. A malformed hash
    /// verifies as false (and still costs the full work, so it cannot be told apart).
    public func verify(_ password: String, against encoded: String) async -> Bool {
        let parsed = Self.parse(encoded)
        let iterations = parsed?.iterations ?? self.iterations
        let salt = parsed?.salt ?? [UInt8](repeating: 0, count: Self.saltBytes)
        let expected = parsed?.hash ?? [UInt8](repeating: 0, count: Self.hashBytes)
        let derived = try? await pool.runIfActive {
            try PBKDF2.sha256(password: Array(password.utf8), salt: salt, iterations: iterations, length: expected.count)
        }
        guard let derived, parsed != nil else { return false }
        return constantTimeEquals(derived, expected)
    }

    /// Spends the same time as a real verification: for unknown emails at login, so timing
    /// does not reveal which accounts exist.
    public func burn(_ password: String) async {
        _ = await verify(password, against: "")
    }

    public struct Parameters: Sendable, Equatable {
        public let iterations: Int
        public let salt: [UInt8]
        public let hash: [UInt8]
    }

    public static func parse(_ encoded: String) -> Parameters? {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == scheme, let iterations = Int(parts[1]), iterations >= 1, iterations <= 100_000_000,
              let salt = Base64URL.decodeStandard(parts[2]), !salt.isEmpty,
              let hash = Base64URL.decodeStandard(parts[3]), (16...64).contains(hash.count)
        else { return nil }
        return Parameters(iterations: iterations, salt: salt, hash: hash)
    }

    /// A random password for `user add` without one and for the first admin: 18 bytes,
    /// base64url (24 characters, 144 bits).
    public static func generatePassword() throws -> String {
        try SecureRandom.token(bytes: 18)
    }
}
